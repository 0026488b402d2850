package agent

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/uistream"
)

// replay is where a run stopped, read back from its stream log by the
// instance taking it over. The log is the run's whole state: every chunk a
// viewer saw is in it, so the run continues from exactly there and the
// stored message stays the fold of the log.
type replay struct {
	steps     int  // steps started
	stepOpen  bool // the last step has no finish-step
	lastCalls int  // tool calls of the last step (0: the model had answered)
	finished  bool // a finish chunk was written: only the commit is missing
	failed    bool // an error chunk was written
	thinking  bool // reasoning was streamed: the run asked for it
	status    string
	// stepParts is how many message parts preceded the open step's
	// step-start: the conversation the model saw before that step.
	stepParts       int
	text, reasoning string // what the open step said and thought so far
	// calls of the open step: complete inputs, and ones cut off while the
	// model was still writing them; done holds the calls with a result.
	calls   []llm.ToolCall
	partial []string
	done    map[string]bool
}

// replayLog folds a run's log into a fresh emitter (so later chunks continue
// the same message and block numbering) and reports where it stopped.
func replayLog(log runs.Log, runID, writer string, evs []runs.Event) (*emitter, *replay, error) {
	e := newEmitter(log, runID, writer)
	rp := &replay{done: map[string]bool{}}
	for _, ev := range evs {
		c, err := uistream.ParseChunk(ev.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("replay %s: event %s: %w", runID, ev.ID, err)
		}
		if c.Type() == uistream.TypeStartStep {
			rp.stepParts = len(e.asm.Message().Parts)
		}
		if err := e.asm.Add(c); err != nil {
			return nil, nil, fmt.Errorf("replay %s: event %s: %w", runID, ev.ID, err)
		}
		rp.add(e, c)
	}
	return e, rp, nil
}

// add records one chunk's effect on the run's position.
func (rp *replay) add(e *emitter, c uistream.Chunk) {
	switch c.Type() {
	case uistream.TypeStartStep:
		rp.steps++
		rp.stepOpen, rp.lastCalls, rp.text, rp.reasoning = true, 0, "", ""
		rp.calls, rp.partial = nil, nil
	case uistream.TypeFinishStep:
		rp.stepOpen = false
	case uistream.TypeTextStart:
		e.openText = c.ID()
		e.seq = max(e.seq, blockNumber(c.ID()))
	case uistream.TypeReasoningStart:
		e.openReasoning, rp.thinking = c.ID(), true
		e.seq = max(e.seq, blockNumber(c.ID()))
	case uistream.TypeTextEnd:
		e.openText = ""
	case uistream.TypeReasoningEnd:
		e.openReasoning = ""
	case uistream.TypeTextDelta:
		rp.text += c.Delta()
	case uistream.TypeReasoningDelta:
		rp.reasoning += c.Delta()
	case uistream.TypeToolInputStart:
		rp.partial = append(rp.partial, c.ToolCallID())
		rp.lastCalls++
	case uistream.TypeToolInputAvailable:
		rp.partial = remove(rp.partial, c.ToolCallID())
		if !containsCall(rp.calls, c.ToolCallID()) {
			rp.calls = append(rp.calls, llm.ToolCall{ID: c.ToolCallID(), Name: c.ToolName(), Args: c.Input()})
		}
		rp.lastCalls = len(rp.calls) + len(rp.partial)
	case uistream.TypeToolOutputAvailable, uistream.TypeToolOutputError:
		rp.done[c.ToolCallID()] = true
	case uistream.TypeFinish:
		rp.finished = true
		rp.status = metaStatus(c.Metadata())
	case uistream.TypeError:
		rp.failed = true
	}
}

// blockNumber reads the counter of an emitter block id ("text-3" → 3).
func blockNumber(id string) int {
	_, n, _ := strings.Cut(id, "-")
	v, _ := strconv.Atoi(n)
	return v
}

func remove(ids []string, id string) []string {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func containsCall(calls []llm.ToolCall, id string) bool {
	for _, c := range calls {
		if c.ID == id {
			return true
		}
	}
	return false
}

func metaStatus(meta json.RawMessage) string {
	var m struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(meta, &m)
	return m.Status
}

// beforeOpenStep is the message without the open step: what the model had
// been given when the interrupted step began.
func (rp *replay) beforeOpenStep(m uimsg.Message) uimsg.Message {
	if rp.stepOpen && rp.stepParts <= len(m.Parts) {
		m.Parts = m.Parts[:rp.stepParts]
	}
	return m
}
