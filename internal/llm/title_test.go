package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/llm"
)

func TestLocalTitle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   llm.TitleInput
		want string
	}{
		{"image request", llm.TitleInput{Text: "draw a red fox in the snow"}, "Red fox in the snow"},
		{"video request", llm.TitleInput{Text: "can you make a video of waves at sunset"}, "Waves at sunset"},
		{"song request", llm.TitleInput{Text: "Please write me a song about summer love!"}, "Summer love"},
		{"quoted opening", llm.TitleInput{Text: `  "Please draw" a red fox in the snow at night`}, "Red fox in the snow at night"},
		{"a question", llm.TitleInput{Text: "what can you do?"}, "What can you do"},
		{"french", llm.TitleInput{Text: "dessine-moi un mouton"}, "Mouton"},
		{"no spaces", llm.TitleInput{Text: "夕焼けの海の動画を作って"}, "夕焼けの海の動画を作って"},
		{"generated image", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "image/png", Prompt: "a castle on a cliff at dawn"}}},
			"Castle on a cliff at dawn"},
		{"named upload", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "image/jpeg", Filename: "grandmas-garden.jpg"}}},
			"Grandmas garden"},
		{"camera upload", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "image/jpeg", Filename: "IMG_2041.JPG"}}},
			"Image edit"},
		{"bare image", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "image/webp"}}}, "Image edit"},
		{"blank text, image", llm.TitleInput{Text: " \n ", Attachments: []llm.Attachment{{Filename: "x.png"}}}, "Image edit"},
		{"video", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "video/mp4"}}}, "Video edit"},
		{"unknown file", llm.TitleInput{Attachments: []llm.Attachment{{}}}, "Shared file"},
		{"prompt of the second file", llm.TitleInput{Attachments: []llm.Attachment{{MediaType: "image/png"},
			{MediaType: "image/png", Prompt: "neon city"}}}, "Neon city"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := llm.Title(context.Background(), llm.NewLocal(0), tc.in)
			if err != nil || got != tc.want {
				t.Errorf("title %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestTitleOfNothing(t *testing.T) {
	t.Parallel()
	for _, in := range []llm.TitleInput{{}, {Text: "   \n"}} {
		if _, err := llm.Title(context.Background(), llm.NewLocal(0), in); !errors.Is(err, llm.ErrEmptyTitle) {
			t.Errorf("Title(%+v): %v, want ErrEmptyTitle", in, err)
		}
	}
}

// TestTitleDescribesAttachments: a provider reads what was attached, in
// words, bounded, when the message has no text.
func TestTitleDescribesAttachments(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, true, chunk(`{"content":"Castle at dawn"}`, "stop"))
	})
	in := llm.TitleInput{Attachments: []llm.Attachment{
		{MediaType: "image/png", Filename: "castle.png", Prompt: "a castle on a cliff at dawn"},
		{MediaType: "video/mp4"},
	}}
	for i := range 10 {
		in.Attachments = append(in.Attachments, llm.Attachment{Filename: fmt.Sprintf("extra-%d.png", i), Prompt: strings.Repeat("x", 5000)})
	}
	got, err := llm.Title(context.Background(), f.model(t), in)
	if err != nil || got != "Castle at dawn" {
		t.Fatalf("title %q, %v", got, err)
	}
	msgs := f.requests()[0].body["messages"].([]any)
	user := fmt.Sprint(msgs[len(msgs)-1].(map[string]any)["content"])
	for _, want := range []string{"no text", `an image (image/png) named "castle.png", made from the prompt "a castle on a cliff at dawn"`, "a video (video/mp4)"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt %q lacks %q", user, want)
		}
	}
	if strings.Contains(user, "extra-3") || len(user) > 2000 {
		t.Errorf("prompt not bounded (%d bytes)", len(user))
	}
}

// TestLocalRepliesReadNaturally: the first reply names the request's
// subject, not the request ("… of draw a red fox"), while the tool still
// gets the user's words.
func TestLocalRepliesReadNaturally(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, tool, subject string
	}{
		{"draw a red fox in the snow", llm.ToolGenerateImage, "a red fox in the snow"},
		{"Can you please draw me a red fox in the snow?", llm.ToolGenerateImage, "a red fox in the snow"},
		{"I want a picture of a cat wearing a tiny hat", llm.ToolGenerateImage, "a cat wearing a tiny hat"},
		{"show me a portrait of my dog", llm.ToolGenerateImage, "a portrait of your dog"},
		{"can you make a video of waves at sunset", llm.ToolGenerateVideo, "waves at sunset"},
		{"Make a 10 second video of waves, 9:16", llm.ToolGenerateVideo, "video of waves."},
		{"animate a cat dancing in the rain", llm.ToolGenerateVideo, "a cat dancing in the rain"},
		{"make me a song about summer love", llm.ToolGenerateMusic, "summer love"},
		{"compose a lullaby for my daughter", llm.ToolGenerateMusic, "a lullaby for your daughter"},
		{"haz un video de olas al atardecer", llm.ToolGenerateVideo, "olas al atardecer"},
		{"draw", llm.ToolGenerateImage, "your idea"},
		{"🦊🦊🦊", llm.ToolGenerateImage, "🦊🦊🦊"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			s := runLocal(t, llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text(tc.in))}, Tools: llm.Tools()})
			if len(s.calls) != 1 || s.calls[0].Name != tc.tool {
				t.Fatalf("calls %+v, want %s", s.calls, tc.tool)
			}
			if !strings.Contains(s.text, tc.subject) {
				t.Errorf("reply %q does not name %q", s.text, tc.subject)
			}
			for _, bad := range []string{" draw", "can you", "please", "I want", "picture of", "of make", "me a song", "for my", " haz"} {
				if strings.Contains(s.text, bad) {
					t.Errorf("reply %q repeats %q", s.text, bad)
				}
			}
			if !strings.Contains(string(s.calls[0].Args), strings.ReplaceAll(tc.in, `"`, `\"`)) {
				t.Errorf("tool args %s lost the request", s.calls[0].Args)
			}
		})
	}
	// One exact sentence (the model is deterministic), so the wording
	// itself is pinned.
	s := runLocal(t, llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("draw a red fox in the snow"))}, Tools: llm.Tools()})
	if want := "Great idea. Generating an image of a red fox in the snow now."; s.text != want {
		t.Errorf("reply %q, want %q", s.text, want)
	}
}

// TestLocalTitleRequestWithImageOnly: a PurposeTitle request made without
// Title still gets a title from an image part.
func TestLocalTitleRequestWithImageOnly(t *testing.T) {
	t.Parallel()
	s := runLocal(t, llm.Request{Purpose: llm.PurposeTitle, Messages: []llm.Message{llm.UserMessage(llm.Image("https://x/y.png", imgID))}})
	if s.text != "Image edit" || s.finish != llm.FinishStop {
		t.Errorf("title %q, finish %q", s.text, s.finish)
	}
}
