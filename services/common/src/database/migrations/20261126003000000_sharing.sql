-- Up Migration

-- What an owner can say about a video besides its title, and with whom it is
-- shared: named users and groups of the identity provider's groups claim.
ALTER TABLE videos ADD COLUMN description text NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN allowed_groups text[] NOT NULL DEFAULT '{}';

-- "Shared with me": the videos listing a user, or one of the user's groups.
CREATE INDEX videos_shared_with_users ON videos USING gin (allowed_users);
CREATE INDEX videos_shared_with_groups ON videos USING gin (allowed_groups);
-- An admin's view of every video, newest first.
CREATE INDEX videos_newest ON videos (created_at DESC, id COLLATE "C" DESC);

-- Down Migration
DROP INDEX videos_newest;
DROP INDEX videos_shared_with_groups;
DROP INDEX videos_shared_with_users;
ALTER TABLE videos DROP COLUMN allowed_groups;
ALTER TABLE videos DROP COLUMN description;
