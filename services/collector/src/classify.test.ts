import { describe, expect, it } from 'vitest';
import { createClassifier, type RequestKind } from './classify.ts';

const classify = createClassifier({ bucket: 'vidgate-media' });

describe('createClassifier', () => {
  const table: [method: string, path: string, kind: RequestKind][] = [
    ['GET', '/media/videos/abc/720p/seg_00001.ts', 'segment'],
    ['HEAD', '/media/videos/abc/720p/seg_00001.m4s', 'segment'],
    ['GET', '/media/videos/abc/init.mp4', 'segment'],
    ['GET', '/media/videos/abc/audio/seg_1.aac', 'segment'],
    ['GET', '/media/videos/abc/keys/k1.key', 'segment'],
    ['GET', '/media/videos/abc/SEG_2.TS', 'segment'],
    ['GET', '/media/videos/abc/720p/index.m3u8', 'playlist'],
    ['GET', '/v1/hls/abc/master.m3u8', 'playlist'],
    ['GET', '/v1/hls/abc/720p/index.m3u8', 'playlist'],
    ['GET', '/web/index.m3u8', 'other'],
    ['GET', '/v1/hls/abc/seg_1.ts', 'other'],
    ['GET', '/media/videos/abc/poster.jpg', 'other'],
    ['GET', '/segment.ts', 'other'],
    ['PUT', '/vidgate-media/uploads/u1/movie.mp4', 'upload'],
    ['POST', '/vidgate-media/uploads/u1/movie.mp4', 'upload'],
    ['POST', '/vidgate-media', 'upload'],
    ['POST', '/vidgate-media/', 'upload'],
    ['PUT', '/vidgate-media', 'other'],
    ['GET', '/vidgate-media/uploads/u1/movie.mp4', 'other'],
    ['PUT', '/vidgate-media/uploads/', 'other'],
    ['PUT', '/vidgate-media/videos/abc/seg_1.ts', 'other'],
    ['PUT', '/other-bucket/uploads/u1/movie.mp4', 'other'],
    ['POST', '/v1/sign', 'other'],
    ['GET', '/', 'other'],
  ];
  it.each(table)('%s %s is %s', (method, path, kind) => {
    expect(classify({ method, path })).toBe(kind);
  });
});
