import type { ObjectStore } from '@vidgate/common/object-store';
import { videoKeys, videoSchema } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';

export interface ImportReport {
  imported: string[];
  /** Already in the database: left as the database has them. */
  present: string[];
  /** meta.json that is not JSON or not a video: named with the reason, not imported. */
  invalid: { id: string; reason: string }[];
}

/**
 * Brings the videos of an install from before PostgreSQL into the database:
 * every videos/<id>/meta.json of the bucket becomes a row, unless the
 * database has that video already (running it again imports nothing twice
 * and overwrites nothing). The objects are left where they are.
 */
export async function importMetadata(objects: ObjectStore, videos: VideoStore, say: (message: string) => void = () => {}): Promise<ImportReport> {
  const report: ImportReport = { imported: [], present: [], invalid: [] };
  for (const id of await objects.listChildren('videos/')) {
    const text = await objects.getText(videoKeys.meta(id));
    if (text === undefined) continue; // a video folder without metadata: media only
    let parsed;
    try {
      parsed = videoSchema.safeParse(JSON.parse(text));
    } catch (err) {
      report.invalid.push({ id, reason: `not JSON: ${(err as Error).message}` });
      continue;
    }
    if (!parsed.success || parsed.data.id !== id) {
      report.invalid.push({ id, reason: parsed.success ? `its id is ${parsed.data.id}` : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      continue;
    }
    if (await videos.get(id)) {
      report.present.push(id);
      continue;
    }
    await videos.create(parsed.data);
    report.imported.push(id);
    say(`imported ${id} (${parsed.data.status}, owner ${parsed.data.owner})`);
  }
  return report;
}
