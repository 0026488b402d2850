-- The CSAM check's verdict per file, so a repeated check (POST
-- /image/check/:id, an avatar change) answers from the row instead of
-- decoding the image again. NULL: never checked. A hit deletes the file, so
-- only passing verdicts are ever stored: 'clear' or 'nsfw'.
ALTER TABLE files ADD COLUMN moderation TEXT;
ALTER TABLE files ADD COLUMN moderated_at BIGINT;
