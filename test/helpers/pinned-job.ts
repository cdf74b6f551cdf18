import { parseDemoJob } from "../../src/demo/demo-job.js";
import { getJsonFrom } from "./multi-node.js";

/**
 * `nomad job run` of a demo job revision that pins the tag in its template (an operator's hotfix):
 * the template still ranges over tagroll's folder, so tagroll knows the file renders its key, and
 * each new allocation renders `tag` whatever the key holds — drift tagroll reports.
 */
export async function registerPinned(
  nomadAddr: string,
  service: string,
  tag: string,
  count: number,
): Promise<void> {
  const job = (await parseDemoJob(nomadAddr, { service, count })) as unknown as {
    TaskGroups: Array<{ Tasks: Array<{ Templates: Array<{ EmbeddedTmpl: string }> }> }>;
  };
  const template = job.TaskGroups[0]!.Tasks[0]!.Templates[0]!;
  template.EmbeddedTmpl =
    `{{ range ls "configs/${service}" }}{{ if ne .Key "IMAGE_TAG" }}{{ .Key }}={{ .Value }}\n{{ end }}{{ end }}` +
    `IMAGE_TAG=${tag}\n`;
  await getJsonFrom(nomadAddr, "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: job }) });
}
