package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/uistream"
)

// emitter appends chunks to the run's log and folds them into the message
// that will be stored, so what is stored is exactly what viewers saw.
type emitter struct {
	log    runs.Log
	runID  string
	writer string // this instance: appends are fenced by it (runs.Log.AppendAs)
	asm    *uistream.Assembler
	// open text/reasoning blocks, closed before a tool call or the end.
	openText, openReasoning string
	seq                     int
}

func newEmitter(log runs.Log, runID, writer string) *emitter {
	return &emitter{log: log, runID: runID, writer: writer, asm: uistream.NewAssembler()}
}

func (e *emitter) emit(ctx context.Context, c uistream.Chunk) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode %s chunk: %w", c.Type(), err)
	}
	if err := e.asm.Add(c); err != nil {
		return fmt.Errorf("assemble %s chunk: %w", c.Type(), err)
	}
	_, err = e.log.AppendAs(ctx, e.runID, e.writer, data)
	return err
}

// nextID makes block ids unique within the response.
func (e *emitter) nextID(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s-%d", prefix, e.seq)
}

func (e *emitter) text(ctx context.Context, delta string) error {
	if err := e.closeReasoning(ctx); err != nil {
		return err
	}
	if e.openText == "" {
		e.openText = e.nextID("text")
		if err := e.emit(ctx, uistream.TextStart(e.openText)); err != nil {
			return err
		}
	}
	return e.emit(ctx, uistream.TextDelta(e.openText, delta))
}

func (e *emitter) reasoning(ctx context.Context, delta string) error {
	if err := e.closeText(ctx); err != nil {
		return err
	}
	if e.openReasoning == "" {
		e.openReasoning = e.nextID("reasoning")
		if err := e.emit(ctx, uistream.ReasoningStart(e.openReasoning)); err != nil {
			return err
		}
	}
	return e.emit(ctx, uistream.ReasoningDelta(e.openReasoning, delta))
}

func (e *emitter) closeText(ctx context.Context) error {
	if e.openText == "" {
		return nil
	}
	id := e.openText
	e.openText = ""
	return e.emit(ctx, uistream.TextEnd(id))
}

func (e *emitter) closeReasoning(ctx context.Context) error {
	if e.openReasoning == "" {
		return nil
	}
	id := e.openReasoning
	e.openReasoning = ""
	return e.emit(ctx, uistream.ReasoningEnd(id))
}

func (e *emitter) closeBlocks(ctx context.Context) error {
	if err := e.closeText(ctx); err != nil {
		return err
	}
	return e.closeReasoning(ctx)
}

func startChunk(messageID string) uistream.Chunk {
	meta, _ := json.Marshal(map[string]any{"createdAt": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
	return uistream.Start(messageID, meta)
}

func errorChunk(text string) uistream.Chunk { return uistream.Error(text) }

func mustChunk(c uistream.Chunk) []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // constructors with constant input cannot fail
	}
	return b
}

func metadata(status string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"status": status})
	return b
}
