package agent

import (
	"bytes"
	"testing"

	"github.com/kira-art/kira/internal/runs"
)

// FuzzReplayLog feeds arbitrary stream logs (one chunk per line) to the
// takeover's replay: it never panics, and a log it accepts leaves the
// emitter where the chunks put it — the block counter is past every open
// block's id, so chunks the new owner writes never reuse an id — and lists
// each tool call once, so none runs twice.
func FuzzReplayLog(f *testing.F) {
	f.Add([]byte(`{"type":"start","messageId":"m"}
{"type":"start-step"}
{"type":"text-start","id":"text-1"}
{"type":"text-delta","id":"text-1","delta":"Hel"}`))
	f.Add([]byte(`{"type":"start"}
{"type":"start-step"}
{"type":"tool-input-start","toolCallId":"c1","toolName":"generateImage"}
{"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"{\"pro"}`))
	f.Add([]byte(`{"type":"start"}
{"type":"start-step"}
{"type":"reasoning-start","id":"reasoning-7"}
{"type":"reasoning-end","id":"reasoning-7"}
{"type":"tool-input-available","toolCallId":"c","toolName":"generateVideo","input":{"prompt":"x"}}
{"type":"tool-output-available","toolCallId":"c","output":{"taskId":"t"}}
{"type":"finish-step"}
{"type":"finish"}`))
	f.Fuzz(func(t *testing.T, log []byte) {
		var evs []runs.Event
		for line := range bytes.SplitSeq(log, []byte("\n")) {
			evs = append(evs, runs.Event{ID: "1-0", Data: line})
		}
		e, rp, err := replayLog(nil, "run", "me", evs)
		if err != nil {
			return
		}
		for _, id := range []string{e.openText, e.openReasoning} {
			if id != "" && blockNumber(id) > e.seq {
				t.Fatalf("open block %q past the counter %d", id, e.seq)
			}
		}
		seen := map[string]bool{}
		for _, c := range rp.calls {
			if seen[c.ID] {
				t.Fatalf("call %q listed twice: it would run twice", c.ID)
			}
			seen[c.ID] = true
		}
		for _, id := range rp.partial {
			if seen[id] {
				t.Fatalf("call %q both complete and cut off", id)
			}
		}
		_ = rp.beforeOpenStep(e.asm.Message())
	})
}
