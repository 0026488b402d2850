package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

// runTool executes one call and streams its output or error; the loop
// reads the result back from the assembled message.
func (s *Service) runTool(ctx context.Context, r store.Run, req StartRequest, c llm.ToolCall, e *emitter, out *outcome) {
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
		return
	}
	if err := e.emit(ctx, uistream.ToolOutputAvailable(c.ID, output)); err != nil {
		s.d.Log.Warn("emit tool output", "err", err)
	}
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

// images generates, stores and charges image outputs. Image i of a call
// has a fixed id (callOutputID) and is charged under a ledger key made of
// it, so a call repeated by an instance taking over a run reuses the images
// already stored and never charges one twice; an image that cannot be paid
// for is discarded.
func (s *Service) images(ctx context.Context, r store.Run, c llm.ToolCall, ir media.ImageRequest, out *outcome) (any, error) {
	if strings.TrimSpace(ir.Prompt) == "" {
		return nil, toolError{"prompt is required"}
	}
	var files []store.File
	var missing []string
	for i := range ir.Count {
		id := "gen_" + callOutputID(r.ID, c.ID, i)
		if f, err := s.d.Store.GetFile(ctx, id); err == nil && f.UserID == r.UserID {
			files = append(files, f)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		made, err := s.generate(ctx, r, c, ir, missing)
		if err != nil {
			return nil, err
		}
		files = append(files, made...)
	}
	if len(files) == 0 {
		return nil, toolError{errInsufficientCredits}
	}
	views := make([]view.Image, 0, len(files))
	for _, f := range files {
		out.images = append(out.images, versionImage(f))
		views = append(views, s.d.Views.Image(f))
	}
	return view.ImageList{Images: views}, nil
}

// generate makes len(ids) images and stores each under its id after
// charging for it.
func (s *Service) generate(ctx context.Context, r store.Run, c llm.ToolCall, ir media.ImageRequest, ids []string) ([]store.File, error) {
	p, err := s.d.Store.GetProfile(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	if p.Credit+p.AddonCredits < ImageCost*len(ids) {
		return nil, toolError{errInsufficientCredits}
	}
	ir.Count = len(ids)
	gen, err := s.d.Images.Generate(ctx, ir)
	if errors.Is(err, media.ErrBadRequest) {
		return nil, toolError{err.Error()}
	}
	if err != nil {
		return nil, err
	}
	var files []store.File
	for i, g := range gen[:min(len(gen), len(ids))] {
		id := ids[i]
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
		files = append(files, f)
	}
	return files, nil
}

// versionImage is a stored generated image as its version records it.
func versionImage(f store.File) store.VersionImage {
	data, _ := json.Marshal(view.ImageDescription{ImageID: f.ID, ToolCallID: f.ToolCallID, ToolName: f.ToolName, Seed: f.Seed, Prompt: f.Prompt})
	return store.VersionImage{ImageID: f.ID, Data: data, File: &f}
}

// callOutputID is the id of output i of a tool call in a run: the same for
// every instance that executes the call, which is what makes the call
// idempotent by toolCallId.
func callOutputID(runID, callID string, i int) string {
	return uuid.NewSHA1(outputNamespace, []byte(runID+"/"+callID+"/"+strconv.Itoa(i))).String()
}

// outputNamespace scopes callOutputID's name-based UUIDs.
var outputNamespace = uuid.MustParse("8f5b0c6e-4a8e-4f61-9a51-6f1d3c7e2b90")

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
	t := store.MediaTask{ID: callOutputID(r.ID, c.ID, 0), UserID: r.UserID, ThreadID: r.ThreadID, MessageID: r.AssistantMessageID,
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
