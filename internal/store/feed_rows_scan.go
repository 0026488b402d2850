package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
)

// feedRowScan holds the scan destinations of feedRowSelect; one is reused
// for every row of a page, so scanning allocates only the strings kept.
type feedRowScan struct {
	flags            string
	created, updated int64

	nick, plan, avatar sql.NullString

	fileID, fileKey, fileThumb, fileBlur, fileHash, filePrompt, fileCall, fileTool sql.NullString
	fileW, fileH, fileSeed                                                         sql.NullInt64

	taskID, taskStatus, taskProvider, taskPrompt, taskParams, taskSource, taskResult, taskThumb sql.NullString
	taskHash, taskErr                                                                           sql.NullString
	taskW, taskH, taskDur, taskCreated                                                          sql.NullInt64

	thumbKey sql.NullString
}

func (sc *feedRowScan) scan(rows interface{ Scan(...any) error }) (FeedRow, error) {
	var r FeedRow
	f := &r.Feed
	err := rows.Scan(&f.ID, &f.UserID, &f.MediaKind, &f.ImageID, &f.TaskID, &f.OriginImageID, &f.ThreadID,
		&f.MessageID, &f.PublicKey, &f.Prompt, &sc.flags, &f.Public, &f.Featured, &f.LikedNumber, &sc.created, &sc.updated,
		&sc.nick, &sc.plan, &sc.avatar,
		&sc.fileID, &sc.fileKey, &sc.fileThumb, &sc.fileBlur, &sc.fileHash, &sc.fileW, &sc.fileH, &sc.filePrompt,
		&sc.fileSeed, &sc.fileCall, &sc.fileTool,
		&sc.taskID, &sc.taskStatus, &sc.taskProvider, &sc.taskPrompt, &sc.taskParams, &sc.taskSource, &sc.taskResult,
		&sc.taskThumb, &sc.taskW, &sc.taskH, &sc.taskDur, &sc.taskHash, &sc.taskErr, &sc.taskCreated,
		&sc.thumbKey, &r.Liked)
	if err != nil {
		return FeedRow{}, mapErr(err)
	}
	if f.Flags, err = parseFlags(sc.flags); err != nil {
		return FeedRow{}, fmt.Errorf("feed %s flags: %w", f.ID, err)
	}
	f.CreatedAt, f.UpdatedAt = fromMicros(sc.created), fromMicros(sc.updated)
	r.Owner = FeedRowOwner{Nickname: sc.nick.String, Plan: sc.plan.String, AvatarKey: sc.avatar.String, Found: sc.nick.Valid}
	if sc.fileID.Valid {
		r.Image = sc.file(f.UserID)
	}
	if sc.taskID.Valid {
		r.Task = sc.task(f)
	}
	r.TaskThumbKey = sc.thumbKey.String
	return r, nil
}

func (sc *feedRowScan) file(userID string) *File {
	fl := &File{ID: sc.fileID.String, UserID: userID, Kind: MediaImage, StorageKey: sc.fileKey.String,
		ThumbKey: sc.fileThumb.String, BlurKey: sc.fileBlur.String, Blurhash: sc.fileHash.String,
		Width: int(sc.fileW.Int64), Height: int(sc.fileH.Int64), Prompt: sc.filePrompt.String,
		ToolCallID: sc.fileCall.String, ToolName: sc.fileTool.String}
	if sc.fileSeed.Valid {
		seed := sc.fileSeed.Int64
		fl.Seed = &seed
	}
	return fl
}

func (sc *feedRowScan) task(f *Feed) *MediaTask {
	return &MediaTask{ID: sc.taskID.String, UserID: f.UserID, Kind: f.MediaKind, Status: sc.taskStatus.String,
		Provider: sc.taskProvider.String, Prompt: sc.taskPrompt.String, Params: []byte(sc.taskParams.String),
		SourceImageID: sc.taskSource.String, ResultFileID: sc.taskResult.String, ThumbFileID: sc.taskThumb.String,
		Width: int(sc.taskW.Int64), Height: int(sc.taskH.Int64), DurationMS: sc.taskDur.Int64,
		Blurhash: sc.taskHash.String, ErrorMessage: sc.taskErr.String, CreatedAt: fromMicros(sc.taskCreated.Int64)}
}

// parseFlags decodes feeds.flags; nearly every post has none, which needs
// no JSON decoding.
func parseFlags(raw string) ([]string, error) {
	if raw == "[]" || raw == "" {
		return []string{}, nil
	}
	var flags []string
	if err := json.Unmarshal([]byte(raw), &flags); err != nil {
		return nil, err
	}
	if flags == nil {
		flags = []string{}
	}
	return flags, nil
}
