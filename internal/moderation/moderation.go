// Package moderation decides whether content may be shown. The local
// checker (perceptual-hash block list + term list) is the default; HTTP
// checks content with an OpenAI-compatible moderation API, and Combined
// asks both (a hit in either wins).
package moderation

import (
	"context"
	"image"
)

// Verdict is a checker's decision about one piece of content.
type Verdict struct {
	CSAM    bool     // block outright: delete the file, answer 451
	NSFW    bool     // store hidden (flag "nsfw")
	Reasons []string // for logs only
}

// Checker checks images and text. An error means "could not decide": callers
// never treat it as a pass (avatars fail with 503, posts are stored hidden).
type Checker interface {
	CheckImage(ctx context.Context, img image.Image) (Verdict, error)
	CheckText(ctx context.Context, text string) (Verdict, error)
}
