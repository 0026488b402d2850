package llm

import (
	"context"
	"io"
	"sync"
	"time"
)

// DefaultTokenDelay paces the local model like a fast real one, so the UI
// shows text arriving token by token.
const DefaultTokenDelay = 15 * time.Millisecond

// Local is the offline scripted model (STREAMING.md §3). Given the same
// request it produces the same events, so tests and demos are repeatable:
//
//   - After a user message it streams a short sentence, then calls one
//     tool picked from that message (video words → generateVideo,
//     music/song → generateMusic, an image plus edit words → editImage,
//     otherwise generateImage), with the argument JSON split across several
//     deltas, and finishes with FinishToolCalls. A tool not offered in the
//     request is not called; the answer is text only.
//   - After tool results it streams a closing sentence and finishes with
//     FinishStop, so an agent loop always ends after two steps.
//   - With Thinking, reasoning deltas come first.
//   - Replies name the request's subject, not the request: "draw me a red
//     fox" → "Generating an image of a red fox" (paraphrase).
//   - For PurposeTitle it answers with a short title of the subject ("Red
//     fox in the snow"), or of the attachments when there is no text
//     (their prompt or file name, else "Image edit"); never nothing.
type Local struct {
	delay time.Duration
}

// NewLocal returns the local model pausing delay before each text or
// reasoning token (0: no pause).
func NewLocal(delay time.Duration) *Local { return &Local{delay: delay} }

// Name returns "local".
func (*Local) Name() string { return "local" }

// Stream plays the script for req. It fails only on an empty request or a
// done ctx.
func (l *Local) Stream(ctx context.Context, req Request) (Stream, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &localStream{ctx: ctx, delay: l.delay, events: script(req), closed: make(chan struct{})}, nil
}

type localStream struct {
	ctx    context.Context
	delay  time.Duration
	events []Event

	mu        sync.Mutex // guards pos and err; Next is not meant to run concurrently with itself
	pos       int
	err       error
	closed    chan struct{}
	closeOnce sync.Once
}

func (s *localStream) Next() (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if err := s.interrupted(); err != nil {
		s.err = err
		return nil, err
	}
	if s.pos >= len(s.events) {
		return nil, io.EOF
	}
	ev := s.events[s.pos]
	switch ev.(type) {
	case TextDelta, ReasoningDelta:
		if err := s.wait(); err != nil {
			s.err = err
			return nil, err
		}
	}
	s.pos++
	return ev, nil
}

// interrupted reports a Close or a done context; Close wins so a caller
// that closed on purpose sees ErrClosed.
func (s *localStream) interrupted() error {
	select {
	case <-s.closed:
		return ErrClosed
	default:
	}
	return s.ctx.Err()
}

// wait pauses for one token, waking early on Close or cancellation so a
// stop request never waits for the script.
func (s *localStream) wait() error {
	if s.delay <= 0 {
		return nil
	}
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.closed:
		return ErrClosed
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

func (s *localStream) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}
