package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Version is one assistant turn's outputs.
type Version struct {
	ID        string
	UserID    string
	ThreadID  string
	MessageID string
	Images    []VersionImage
	Tasks     []MediaTask
	CreatedAt time.Time
}

// VersionImage is an image of a version: Data is the image object as the
// tool or client described it (toolCallId, seed, prompt …); File is the
// registry row when the image is a known file.
type VersionImage struct {
	ImageID string
	Data    []byte
	File    *File
}

// SaveMessage upserts a message and, when images is non-empty, the
// message's version with those images, in one transaction. It returns the
// version (nil when there were no images).
func (s *Store) SaveMessage(ctx context.Context, m Message, images []VersionImage) (*Version, error) {
	var versionID string
	err := s.inTx(ctx, func(c conn) error {
		if err := upsertMessage(ctx, c, m); err != nil {
			return err
		}
		if len(images) == 0 {
			return nil
		}
		var err error
		versionID, err = saveVersion(ctx, c, m.UserID, m.ThreadID, m.ID, images)
		return err
	})
	if err != nil || versionID == "" {
		return nil, err
	}
	v, err := s.getVersion(ctx, versionID)
	return &v, err
}

// saveVersion finds or creates the version of (thread, message), appends
// images it does not have yet, and makes the newest added one the thread
// thumbnail.
func saveVersion(ctx context.Context, c conn, userID, threadID, messageID string, images []VersionImage) (string, error) {
	id, err := ensureVersion(ctx, c, userID, threadID, messageID)
	if err != nil {
		return "", err
	}
	var next int
	if err := c.row(ctx, "SELECT COALESCE(MAX(position), -1) + 1 FROM version_images WHERE version_id = ?", id).Scan(&next); err != nil {
		return "", mapErr(err)
	}
	newest := ""
	for _, img := range images {
		data := img.Data
		if len(data) == 0 {
			data = []byte("{}")
		}
		res, err := c.exec(ctx, `INSERT INTO version_images (version_id, image_id, position, data)
			VALUES (?, ?, ?, ?) ON CONFLICT (version_id, image_id) DO NOTHING`, id, img.ImageID, next, string(data))
		if err != nil {
			return "", fmt.Errorf("save version image: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n > 0 {
			newest, next = img.ImageID, next+1
		}
	}
	if newest == "" {
		return id, nil
	}
	_, err = c.exec(ctx, "UPDATE threads SET thumb_image_id = ? WHERE id = ?", newest, threadID)
	return id, mapErr(err)
}

// ensureVersion finds or creates the version of (thread, message).
func ensureVersion(ctx context.Context, c conn, userID, threadID, messageID string) (string, error) {
	var id string
	err := c.row(ctx, "SELECT id FROM versions WHERE thread_id = ? AND message_id = ?", threadID, messageID).Scan(&id)
	if err = mapErr(err); errors.Is(err, ErrNotFound) {
		id = uuid.NewString()
		_, err = c.exec(ctx, `INSERT INTO versions (id, user_id, thread_id, message_id, created_at)
			VALUES (?, ?, ?, ?, ?)`, id, userID, threadID, messageID, micros(now()))
		err = mapErr(err)
	}
	if err != nil {
		return "", fmt.Errorf("save version: %w", err)
	}
	return id, nil
}

func (s *Store) getVersion(ctx context.Context, id string) (Version, error) {
	vs, err := s.listVersions(ctx, "id = ?", id)
	if err != nil {
		return Version{}, err
	}
	if len(vs) == 0 {
		return Version{}, ErrNotFound
	}
	return vs[0], nil
}

// ListVersions returns a thread's versions oldest first with their images
// and tasks, in three queries whatever the number of versions.
func (s *Store) ListVersions(ctx context.Context, threadID string) ([]Version, error) {
	return s.listVersions(ctx, "thread_id = ?", threadID)
}

// ListVersionsThrough returns the versions of the messages up to and
// including messageID, in the order of ListVersions: the outputs behind a
// post, none from later turns (the same cut as ListMessagesThrough). A
// version whose message is gone is left out; ErrNotFound when messageID is
// not in the thread.
func (s *Store) ListVersionsThrough(ctx context.Context, threadID, messageID string) ([]Version, error) {
	var at int64
	err := s.reader().row(ctx, "SELECT created_at FROM messages WHERE thread_id = ? AND id = ?", threadID, messageID).Scan(&at)
	if err != nil {
		return nil, mapErr(err)
	}
	return s.listVersions(ctx, `thread_id = ? AND message_id IN (SELECT id FROM messages
		WHERE thread_id = ? AND (created_at < ? OR (created_at = ? AND id <= ?)))`,
		threadID, threadID, at, at, messageID)
}

func (s *Store) listVersions(ctx context.Context, where string, args ...any) ([]Version, error) {
	rows, err := s.reader().query(ctx, "SELECT id, user_id, thread_id, message_id, created_at FROM versions WHERE "+
		where+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []Version
	index := map[string]int{}
	for rows.Next() {
		var v Version
		var created int64
		if err := rows.Scan(&v.ID, &v.UserID, &v.ThreadID, &v.MessageID, &created); err != nil {
			rows.Close()
			return nil, err
		}
		v.CreatedAt = fromMicros(created)
		index[v.ID] = len(out)
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	if err := s.attachImages(ctx, out, index); err != nil {
		return nil, err
	}
	return out, s.attachTasks(ctx, out, index)
}

func versionIDs(vs []Version) []any {
	ids := make([]any, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids
}

func (s *Store) attachImages(ctx context.Context, vs []Version, index map[string]int) error {
	rows, err := s.reader().query(ctx, "SELECT version_id, image_id, data FROM version_images WHERE version_id IN ("+
		placeholders(len(vs))+") ORDER BY version_id, position", versionIDs(vs)...)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	var fileIDs []string
	for rows.Next() {
		var vid, data string
		var img VersionImage
		if err := rows.Scan(&vid, &img.ImageID, &data); err != nil {
			return err
		}
		img.Data = []byte(data)
		v := &vs[index[vid]]
		v.Images = append(v.Images, img)
		fileIDs = append(fileIDs, img.ImageID)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	files, err := s.GetFiles(ctx, fileIDs)
	if err != nil {
		return err
	}
	for i := range vs {
		for j := range vs[i].Images {
			if f, ok := files[vs[i].Images[j].ImageID]; ok {
				vs[i].Images[j].File = &f
			}
		}
	}
	return nil
}

func (s *Store) attachTasks(ctx context.Context, vs []Version, index map[string]int) error {
	rows, err := s.reader().query(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE version_id IN ("+
		placeholders(len(vs))+") ORDER BY created_at, id", versionIDs(vs)...)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return err
		}
		v := &vs[index[t.VersionID]]
		v.Tasks = append(v.Tasks, t)
	}
	return rows.Err()
}

// ErrMessageNotFound is returned (wrapping ErrNotFound) by SaveVersion when
// the message is not in the thread: a version belongs to a message.
var ErrMessageNotFound = fmt.Errorf("message not in thread: %w", ErrNotFound)

// SaveVersion records outputs produced outside a run (POST /agent/task):
// images are appended to the message's version and tasks inserted with it,
// in one transaction. The message must be in the thread (checked in the
// same transaction, so a message deleted meanwhile gets no version);
// otherwise ErrMessageNotFound.
func (s *Store) SaveVersion(ctx context.Context, userID, threadID, messageID string, images []VersionImage, tasks []MediaTask) (Version, error) {
	var id string
	err := s.inTx(ctx, func(c conn) error {
		var one int
		err := c.row(ctx, "SELECT 1 FROM messages WHERE thread_id = ? AND id = ?", threadID, messageID).Scan(&one)
		if err = mapErr(err); errors.Is(err, ErrNotFound) {
			return ErrMessageNotFound
		} else if err != nil {
			return err
		}
		id, err = saveVersionWithTasks(ctx, c, Message{UserID: userID, ThreadID: threadID, ID: messageID}, images, tasks)
		return err
	})
	if err != nil {
		return Version{}, err
	}
	return s.getVersion(ctx, id)
}
