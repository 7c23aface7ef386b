-- Up Migration

-- A video's captions: [{language, label, updatedAt}], one per BCP 47 language
-- tag, kept sorted by tag. The WebVTT bytes are objects under
-- videos/<id>/captions/<language>.vtt; this list is what the master playlist
-- names. Written only by the caption routes (one statement each), never by a
-- whole-record write, so a transcoder's update cannot drop a caption.
ALTER TABLE videos ADD COLUMN captions jsonb NOT NULL DEFAULT '[]'
  CHECK (jsonb_typeof(captions) = 'array');

-- Down Migration
ALTER TABLE videos DROP COLUMN captions;
