package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/uistream"
	"github.com/kira-art/kira/internal/view"
)

// agentHandlers serves the run routes of /agent.
type agentHandlers struct{ s *Server }

// streamingBody is POST /agent/streaming (API.md §3.1).
type streamingBody struct {
	ThreadID        *string           `json:"threadId"`
	ID              *string           `json:"id"` // alias of threadId (the AI SDK transport sends the chat id)
	Messages        []json.RawMessage `json:"messages"`
	Message         json.RawMessage   `json:"message"`
	Thinking        bool              `json:"thinking"`
	Crazy           bool              `json:"crazy"`
	AnchorMessageID string            `json:"anchorMessageId"`
	Trigger         string            `json:"trigger"`
}

// keepAliveEvery is the silence after which a comment keeps proxies from
// closing the stream (STREAMING.md §1).
const keepAliveEvery = 15 * time.Second

func (h agentHandlers) streaming(w http.ResponseWriter, r *http.Request) {
	req, err := h.parseStreaming(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	started, err := h.s.Agent.Begin(r.Context(), req)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if n := len(started.Cleanup.CancelledTaskIDs) + len(started.Cleanup.ImageIDs); n > 0 {
		h.s.log.InfoContext(r.Context(), "anchor removed later outputs", "thread_id", req.ThreadID,
			"cancelled_tasks", len(started.Cleanup.CancelledTaskIDs), "images", len(started.Cleanup.ImageIDs))
	}
	h.tail(w, r, started.Run.ID, "")
}

func (h agentHandlers) parseStreaming(r *http.Request) (agent.StartRequest, error) {
	var b streamingBody
	if err := decodeJSON(r, &b); err != nil {
		return agent.StartRequest{}, err
	}
	raw := b.ThreadID
	if raw == nil {
		raw = b.ID
	}
	if raw == nil {
		return agent.StartRequest{}, apperr.Invalidf("threadId: is required")
	}
	threadID, err := parseUUID("threadId", *raw)
	if err != nil {
		return agent.StartRequest{}, err
	}
	last, field := b.Message, "message"
	if len(b.Messages) > 0 {
		last, field = b.Messages[len(b.Messages)-1], "messages[last]"
	} else if len(last) == 0 {
		return agent.StartRequest{}, apperr.Invalidf("messages: must contain the new user message")
	}
	msg, stored, err := parseIncomingMessage(last, field)
	if err != nil {
		return agent.StartRequest{}, err
	}
	if msg.Role != "user" {
		return agent.StartRequest{}, apperr.Invalidf("%s.role: the last message must be the user's", field)
	}
	if b.AnchorMessageID != "" && !validMessageID(b.AnchorMessageID) {
		return agent.StartRequest{}, apperr.Invalidf("anchorMessageId: must be 1-64 characters of A-Z a-z 0-9 _ -")
	}
	if b.Trigger != "" && b.Trigger != "submit-message" && b.Trigger != "regenerate-message" {
		return agent.StartRequest{}, apperr.Invalidf("trigger: must be submit-message or regenerate-message")
	}
	uid := userID(r)
	if _, err := h.s.Store.GetThread(r.Context(), uid, threadID); err != nil {
		return agent.StartRequest{}, notFoundAs(err, "thread not found")
	}
	p, err := h.s.Store.GetProfile(r.Context(), uid)
	if err != nil {
		return agent.StartRequest{}, err
	}
	stored.ThreadID, stored.UserID = threadID, uid
	return agent.StartRequest{UserID: uid, ThreadID: threadID, UserMessage: &stored, Thinking: b.Thinking,
		Crazy: b.Crazy, AnchorMessageID: b.AnchorMessageID, Plan: p.Plan}, nil
}

// reconnect resumes the thread's active run: 204 when there is none.
func (h agentHandlers) reconnect(w http.ResponseWriter, r *http.Request) {
	t, err := messageHandlers(h).ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	run, err := h.s.Store.ActiveRun(r.Context(), t.ID)
	if errors.Is(err, store.ErrNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.tail(w, r, run.ID, r.Header.Get("Last-Event-ID"))
}

// streamBrokeOff is the error chunk of a viewer whose log failed.
const streamBrokeOff = "The response stream was interrupted. Reload to see the rest of the answer."

// tail streams a run's log as SSE: replay after `after`, live chunks, end.
// A viewer that disconnects only detaches; the run goes on.
func (h agentHandlers) tail(w http.ResponseWriter, r *http.Request, runID, after string) {
	sub, err := h.s.Runs.Tail(r.Context(), runID, after)
	switch {
	case errors.Is(err, runs.ErrBadEventID):
		h.s.writeError(w, r, apperr.Invalidf("Last-Event-ID: not an event id of this stream"))
		return
	case errors.Is(err, runs.ErrNotFound):
		w.WriteHeader(http.StatusNoContent)
		return
	case err != nil:
		h.s.writeError(w, r, err)
		return
	}
	uistream.SetHeaders(w)
	w.WriteHeader(http.StatusOK)
	keepAlive := time.NewTicker(keepAliveEvery)
	defer keepAlive.Stop()
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				switch err := sub.Err(); {
				case err == nil:
					uistream.WriteDone(w) //nolint:errcheck // client may be gone
				case r.Context().Err() == nil:
					// The log broke off (Redis unreachable, shutdown): end
					// the stream as a failed one rather than cutting it;
					// the run may still finish, and a reload resumes it.
					h.s.log.Warn("run stream broke off", "run_id", runID, "err", err)
					uistream.WriteEvent(w, "", uistream.Error(streamBrokeOff)) //nolint:errcheck
				}
				return
			}
			if err := uistream.WriteData(w, ev.ID, ev.Data); err != nil {
				return
			}
			keepAlive.Reset(keepAliveEvery)
		case <-keepAlive.C:
			if err := uistream.WriteKeepAlive(w); err != nil {
				return
			}
		}
	}
}

func (h agentHandlers) status(w http.ResponseWriter, r *http.Request) {
	t, err := messageHandlers(h).ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	st, err := h.s.Agent.Status(r.Context(), t.ID)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if !st.Running {
		writeJSON(w, http.StatusOK, view.RunStatus{Status: "idle"})
		return
	}
	resp := view.RunStatus{Status: "running", RunID: st.Run.ID, StartedAt: view.Time(st.Run.StartedAt)}
	if st.UserMessage != nil {
		if m, _, err := uimsg.Parse(st.UserMessage.Body); err == nil {
			m.CreatedAt, _ = json.Marshal(view.Time(st.UserMessage.CreatedAt))
			resp.UserMessage, _ = json.Marshal(m)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h agentHandlers) stop(w http.ResponseWriter, r *http.Request) {
	t, err := messageHandlers(h).ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	// The stop outlives an impatient client: the run must be saved anyway.
	stopped, err := h.s.Agent.StopRun(context.WithoutCancel(r.Context()), t.ID)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Stopped{Message: "ok", Stopped: stopped})
}
