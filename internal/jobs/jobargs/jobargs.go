// Package jobargs names the background jobs: their River kinds, argument
// shapes and insert options. It sits below the store, which enqueues jobs
// inside the transactions that create their rows, and below internal/jobs,
// whose workers run them.
package jobargs

import (
	"time"

	"github.com/riverqueue/river"
)

// Queues. Media jobs are long and paid, so they get their own queue and
// never hold up titles and clean-ups.
const (
	QueueMedia   = "media"
	QueueDefault = river.QueueDefault
)

// MediaAttempts bounds a paid generation: a few tries with River's backoff
// (about 1 s, 16 s, 81 s), not River's default 25 over three weeks.
const MediaAttempts = 4

// VideoTask runs video generation task TaskID.
type VideoTask struct {
	TaskID string `json:"taskId"`
}

// Kind is the River job kind.
func (VideoTask) Kind() string { return "video_task" }

// Task is the task the job runs.
func (a VideoTask) Task() string { return a.TaskID }

// InsertOpts puts video jobs on the media queue with few attempts.
func (VideoTask) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMedia, MaxAttempts: MediaAttempts}
}

// MusicTask runs music generation task TaskID.
type MusicTask struct {
	TaskID string `json:"taskId"`
}

// Kind is the River job kind.
func (MusicTask) Kind() string { return "music_task" }

// Task is the task the job runs.
func (a MusicTask) Task() string { return a.TaskID }

// InsertOpts puts music jobs on the media queue with few attempts.
func (MusicTask) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMedia, MaxAttempts: MediaAttempts}
}

// ForTask returns the job that runs a media task of kind "video" or "audio".
func ForTask(kind, taskID string) river.JobArgs {
	if kind == "audio" {
		return MusicTask{TaskID: taskID}
	}
	return VideoTask{TaskID: taskID}
}

// ThreadTitle asks the model for a new thread's title from its first
// message's text (or its attachment when it has no text), read when the
// job runs.
type ThreadTitle struct {
	ThreadID string `json:"threadId"`
}

// Kind is the River job kind.
func (ThreadTitle) Kind() string { return "thread_title" }

// InsertOpts: a title is cheap and optional, three tries.
func (ThreadTitle) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3}
}

// DeleteFiles removes the blobs and rows of files whose owner went away (a
// deleted thread, a truncated conversation). Files still referenced by a
// post or another version are kept.
type DeleteFiles struct {
	FileIDs []string `json:"fileIds"`
}

// Kind is the River job kind.
func (DeleteFiles) Kind() string { return "delete_files" }

// InsertOpts: clean-ups retry longer than paid calls; they cost nothing.
func (DeleteFiles) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 10}
}

// ReapSlots is the periodic job that hands the task of an expired slot
// (its worker died) to a new job.
type ReapSlots struct{}

// Kind is the River job kind.
func (ReapSlots) Kind() string { return "reap_slots" }

// InsertOpts: a missed reap is redone by the next one.
func (ReapSlots) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 1}
}

// ReapEvery is how often ReapSlots runs.
const ReapEvery = 5 * time.Second
