package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uistream"
	"github.com/kira-art/kira/internal/view"
)

// ImageCost is the price of one image output (API.md §4).
const ImageCost = 5

// errInsufficientCredits is the tool error text clients branch on.
const errInsufficientCredits = "insufficient_credits"

// toolError is a failure the model and the user may see.
type toolError struct{ text string }

func (e toolError) Error() string { return e.text }

// runTool executes one call, streams its output or error, and returns the
// result text for the model.
func (s *Service) runTool(ctx context.Context, r store.Run, req StartRequest, c llm.ToolCall, e *emitter, out *outcome) (string, bool) {
	output, err := s.callTool(ctx, r, req, c, out)
	if err != nil {
		text := "The tool failed."
		var te toolError
		if errors.As(err, &te) {
			text = te.text
		} else {
			s.d.Log.Error("tool failed", "run_id", r.ID, "tool", c.Name, "err", err)
		}
		if emitErr := e.emit(ctx, uistream.ToolOutputError(c.ID, text)); emitErr != nil {
			s.d.Log.Warn("emit tool error", "err", emitErr)
		}
		return text, true
	}
	if err := e.emit(ctx, uistream.ToolOutputAvailable(c.ID, output)); err != nil {
		s.d.Log.Warn("emit tool output", "err", err)
	}
	b, _ := json.Marshal(output)
	return string(b), false
}

func (s *Service) callTool(ctx context.Context, r store.Run, req StartRequest, c llm.ToolCall, out *outcome) (any, error) {
	switch c.Name {
	case llm.ToolGenerateImage:
		var a struct {
			Prompt, Ratio, Model string
			Count                int
			Seed                 int64
		}
		if err := decodeArgs(c.Args, &a); err != nil {
			return nil, err
		}
		if a.Count == 0 {
			a.Count = 1
		}
		return s.images(ctx, r, c, media.ImageRequest{Prompt: a.Prompt, Ratio: a.Ratio, Model: a.Model, Count: a.Count, Seed: a.Seed}, out)
	case llm.ToolEditImage:
		var a struct{ ImageID, Prompt string }
		if err := decodeArgs(c.Args, &a); err != nil {
			return nil, err
		}
		src, err := s.d.Files.Load(ctx, r.UserID, a.ImageID)
		if err != nil {
			return nil, toolError{fmt.Sprintf("image %s not found", a.ImageID)}
		}
		return s.images(ctx, r, c, media.ImageRequest{Prompt: a.Prompt, Count: 1, Source: src, Model: "nova"}, out)
	case llm.ToolGenerateVideo, llm.ToolGenerateMusic:
		return s.queueTask(c, r, out)
	}
	return nil, toolError{"unknown tool " + c.Name}
}

func decodeArgs(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return toolError{"invalid tool arguments: " + err.Error()}
	}
	return nil
}

// images generates, stores and charges image outputs: each image is
// charged when produced under its own ledger key, so a retry never charges
// twice; an image that cannot be paid for is discarded.
func (s *Service) images(ctx context.Context, r store.Run, c llm.ToolCall, ir media.ImageRequest, out *outcome) (any, error) {
	p, err := s.d.Store.GetProfile(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	if p.Credit+p.AddonCredits < ImageCost*ir.Count {
		return nil, toolError{errInsufficientCredits}
	}
	if strings.TrimSpace(ir.Prompt) == "" {
		return nil, toolError{"prompt is required"}
	}
	gen, err := s.d.Images.Generate(ctx, ir)
	if errors.Is(err, media.ErrBadRequest) {
		return nil, toolError{err.Error()}
	}
	if err != nil {
		return nil, err
	}
	var views []view.Image
	for _, g := range gen {
		id := "gen_" + uuid.NewString()
		if _, err := s.d.Store.ChargeCredits(ctx, store.Charge{UserID: r.UserID, Key: c.Name + ":" + id, Amount: ImageCost,
			Reason: c.Name, RefID: id}); errors.Is(err, store.ErrInsufficientCredits) {
			break
		} else if err != nil {
			return nil, err
		}
		seed := g.Seed
		f, err := s.d.Files.SaveGenerated(ctx, r.UserID, g, store.File{ID: id, Origin: "gen", Prompt: ir.Prompt,
			Seed: &seed, ToolCallID: c.ID, ToolName: c.Name})
		if err != nil {
			s.d.Store.RefundCredits(context.WithoutCancel(ctx), r.UserID, c.Name+":"+id, "store failed") //nolint:errcheck
			return nil, err
		}
		data, _ := json.Marshal(view.ImageDescription{ImageID: f.ID, ToolCallID: c.ID, ToolName: c.Name, Seed: &seed, Prompt: ir.Prompt})
		out.images = append(out.images, store.VersionImage{ImageID: f.ID, Data: data, File: &f})
		views = append(views, s.d.Views.Image(f))
	}
	if len(views) == 0 {
		return nil, toolError{errInsufficientCredits}
	}
	return view.ImageList{Images: views}, nil
}

// queueTask records a pending video or music task; it is committed with
// the assistant message and executed by the job system.
func (s *Service) queueTask(c llm.ToolCall, r store.Run, out *outcome) (any, error) {
	var args map[string]any
	if err := decodeArgs(c.Args, &args); err != nil {
		return nil, err
	}
	prompt, _ := args["prompt"].(string)
	if strings.TrimSpace(prompt) == "" {
		return nil, toolError{"prompt is required"}
	}
	t := store.MediaTask{ID: uuid.NewString(), UserID: r.UserID, ThreadID: r.ThreadID, MessageID: r.AssistantMessageID,
		Status: "pending", Provider: "local", Prompt: prompt, CreatedAt: now().UTC(), UpdatedAt: now().UTC()}
	delete(args, "prompt")
	if c.Name == llm.ToolGenerateVideo {
		t.Kind = "video"
		if src, ok := args["sourceImageId"].(string); ok {
			t.SourceImageID = src
			delete(args, "sourceImageId")
		}
	} else {
		t.Kind = "audio"
	}
	t.Params, _ = json.Marshal(args)
	out.tasks = append(out.tasks, t)
	return s.d.Views.ToolOutput(t), nil
}
