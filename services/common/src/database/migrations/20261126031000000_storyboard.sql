-- Up Migration

-- Whether a video's package has seek thumbnails (videos/<id>/hls/storyboard.vtt
-- and its JPEG sheets): set by the transcoder when it publishes them; videos
-- packaged before storyboards existed have none, and playback offers none.
ALTER TABLE videos ADD COLUMN has_storyboard boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE videos DROP COLUMN has_storyboard;
