package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// streamResult is what a client saw of one UI message stream.
type streamResult struct {
	first   string            // type of the first chunk
	finish  bool              // a finish chunk came before [DONE]
	done    bool              // [DONE] arrived
	outputs []json.RawMessage // the outputs of tool-output-available chunks
	problem string            // an error or tool-output-error chunk, or a broken stream
	lastID  string            // the last event id read
}

// readStream reads a stream to [DONE], or only up to its first text-delta
// (or start-step) when drop is set: the client goes away mid-run.
func readStream(body io.Reader, drop bool) streamResult {
	var r streamResult
	rd := loadkit.NewSSE(body)
	for {
		data, err := rd.Next()
		if err != nil {
			if !drop || r.first == "" {
				r.problem = fmt.Sprintf("stream ended without [DONE]: %v", err)
			}
			break
		}
		r.lastID = rd.LastID()
		if data == "[DONE]" {
			r.done = true
			break
		}
		if r.observe(data) || drop && r.first != "" && loadkit.ChunkType(data) == "text-delta" {
			break
		}
	}
	if !drop && r.problem == "" && !r.finish {
		r.problem = "no finish chunk before [DONE]"
	}
	return r
}

// observe takes one chunk; true when the stream should not be read further.
func (r *streamResult) observe(data string) bool {
	var c struct {
		Type      string          `json:"type"`
		ErrorText string          `json:"errorText"`
		Output    json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		r.problem = "unparsable chunk"
		return true
	}
	if r.first == "" {
		r.first = c.Type
	}
	switch c.Type {
	case "finish":
		r.finish = true
	case "tool-output-available":
		r.outputs = append(r.outputs, c.Output)
	case "error", "tool-output-error":
		if r.problem == "" {
			r.problem = c.Type + ": " + c.ErrorText
		}
	}
	return false
}

// stream sends rq (a POST /agent/streaming or a resume), reads the answer
// and records it under rq.route: time to [DONE] (or to the drop). A 204
// (nothing to resume) has an empty result with done set.
func (s *soak) stream(ctx context.Context, rq request, drop bool) (streamResult, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.streamTimeout)
	defer cancel()
	t0 := time.Now()
	resp, err := s.open(rctx, rq)
	if err != nil {
		return streamResult{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		s.rec.add(rq.route, t0, outcome{status: resp.StatusCode})
		return streamResult{done: true}, nil
	}
	res := readStream(resp.Body, drop)
	o := outcome{status: resp.StatusCode}
	if res.problem != "" {
		o.kind, o.detail = "stream: "+short(res.problem), res.problem
	}
	s.rec.add(rq.route, t0, o)
	if res.problem != "" {
		return res, errors.New(res.problem)
	}
	return res, nil
}

// short keeps an error kind readable in a table.
func short(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
