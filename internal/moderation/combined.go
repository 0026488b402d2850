package moderation

import (
	"context"
	"image"
)

// Combined asks a local checker (the block lists) first and a remote one
// (the moderation API) second; a hit in either wins.
//
// A local CSAM hit is final: the remote checker is not asked, so a known
// image is never sent to a third party and a provider outage cannot turn a
// certain block into a 503. Otherwise a remote failure is the combined
// check's error (with the local verdict so far), since "not checked" must
// never pass.
type Combined struct {
	Local  Checker
	Remote Checker
}

var _ Checker = (*Combined)(nil)

// NewCombined combines local and remote checkers.
func NewCombined(local, remote Checker) *Combined {
	return &Combined{Local: local, Remote: remote}
}

// CheckImage checks img locally, then remotely unless the local lists
// already found CSAM.
func (c *Combined) CheckImage(ctx context.Context, img image.Image) (Verdict, error) {
	return c.check(func(ch Checker) (Verdict, error) { return ch.CheckImage(ctx, img) })
}

// CheckText checks text locally, then remotely unless the local lists
// already found CSAM.
func (c *Combined) CheckText(ctx context.Context, text string) (Verdict, error) {
	return c.check(func(ch Checker) (Verdict, error) { return ch.CheckText(ctx, text) })
}

func (c *Combined) check(run func(Checker) (Verdict, error)) (Verdict, error) {
	local, err := run(c.Local)
	if err != nil {
		return Verdict{}, err
	}
	if local.CSAM {
		return local, nil
	}
	remote, err := run(c.Remote)
	if err != nil {
		return local, err
	}
	return merge(local, remote), nil
}

// merge is the union of two verdicts.
func merge(a, b Verdict) Verdict {
	return Verdict{
		CSAM:    a.CSAM || b.CSAM,
		NSFW:    a.NSFW || b.NSFW,
		Reasons: append(append([]string(nil), a.Reasons...), b.Reasons...),
	}
}
