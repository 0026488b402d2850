package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// uprightCheckSide bounds the copy a rotated (EXIF) image is checked as;
// unrotated images are checked at full size.
const uprightCheckSide = 1024

// CheckID CSAM-checks image id for anyone holding the id (see Check).
// Callers without a token share a budget of Limits.AnonymousChecks decodes
// at once (ErrChecksBusy past it), so they can never hold every decode
// slot; an image already checked is answered from its stored verdict and
// costs no slot.
func (s *Service) CheckID(ctx context.Context, id string, anonymous bool) error {
	f, err := s.Image(ctx, id)
	if err != nil || f.Moderation != "" {
		return err
	}
	if anonymous {
		release, ok := tryAcquire(s.anonChecks)
		if !ok {
			return ErrChecksBusy
		}
		defer release()
	}
	return s.Check(ctx, f)
}

// Check runs the CSAM check on a stored image once: a passing verdict is
// stored on the file and later checks answer from it without decoding.
// A hit deletes the file with every derivative, its row and the public
// copies of posts made from it, and returns ErrCSAMBlocked; a checker that
// cannot decide (missing, failing, undecodable input) is a 503, never a
// pass. An image with no stored bytes left (neither original nor
// thumbnail) passes: there is nothing that could be shown.
func (s *Service) Check(ctx context.Context, f store.File) error {
	_, err := s.Verdict(ctx, f)
	return err
}

// Verdict is Check that also says what passed: a stored verdict answers
// without decoding (ModerationNSFW is an NSFW verdict), a fresh one is
// stored. A CSAM hit is a CSAM verdict with ErrCSAMBlocked (the file is
// deleted); errors are Check's.
func (s *Service) Verdict(ctx context.Context, f store.File) (moderation.Verdict, error) {
	switch f.Moderation {
	case "":
	case store.ModerationNSFW:
		return moderation.Verdict{NSFW: true, Reasons: []string{"stored verdict: nsfw"}}, nil
	default:
		return moderation.Verdict{}, nil
	}
	if s.Moderation == nil {
		return moderation.Verdict{}, ErrCheckDown
	}
	img, err := s.checkable(ctx, f)
	if errors.Is(err, blob.ErrNotFound) {
		s.Log.WarnContext(ctx, "image has no stored bytes to check", "file_id", f.ID)
		return moderation.Verdict{}, nil
	} else if err != nil {
		return moderation.Verdict{}, checkDown(fmt.Errorf("decode %s: %w", f.ID, err))
	}
	v, err := s.Moderation.CheckImage(ctx, img)
	if err != nil {
		return moderation.Verdict{}, checkDown(fmt.Errorf("check %s: %w", f.ID, err))
	}
	if v.CSAM {
		return v, s.blockCSAM(ctx, f, v)
	}
	s.recordVerdict(ctx, f, v)
	return v, nil
}

// checkable decodes what is checked: the original upright (as users see
// it), or the thumbnail when the original is gone (derivatives are stored
// upright).
func (s *Service) checkable(ctx context.Context, f store.File) (image.Image, error) {
	var out image.Image
	decode := func(key string) error {
		data, err := s.readBlob(ctx, key, maxStoredImageBytes)
		if err != nil {
			return err
		}
		return s.withDecoded(ctx, bytes.NewReader(data), func(img image.Image, o int) error {
			out = imaging.Upright(img, o, uprightCheckSide)
			return nil
		})
	}
	err := decode(f.StorageKey)
	if errors.Is(err, blob.ErrNotFound) && f.ThumbKey != "" {
		err = decode(f.ThumbKey)
	}
	return out, err
}

func checkDown(err error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Message: ErrCheckDown.Message, Err: err}
}

// blockCSAM deletes a file found to be CSAM, with the public copies of
// every post made from it (those would otherwise keep serving it).
func (s *Service) blockCSAM(ctx context.Context, f store.File, v moderation.Verdict) error {
	s.Log.WarnContext(ctx, "CSAM hit: deleting image", "file_id", f.ID, "owner", f.UserID, "reasons", v.Reasons)
	copies, err := s.Store.FilePublicCopies(ctx, f.ID)
	if err != nil {
		return err // not a 451 while bytes may remain: the caller retries
	}
	if err := s.deleteFile(ctx, f, append(copies, f.PublicKey)...); err != nil {
		return err
	}
	return ErrCSAMBlocked
}

// recordVerdict stores a passing verdict. Failing to store it only costs a
// decode on the next check, so it is logged, not returned.
func (s *Service) recordVerdict(ctx context.Context, f store.File, v moderation.Verdict) {
	verdict := store.ModerationClear
	if v.NSFW {
		verdict = store.ModerationNSFW
	}
	if _, err := s.Store.SetFileModeration(ctx, f.ID, verdict); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.Log.WarnContext(ctx, "store moderation verdict", "file_id", f.ID, "err", err)
	}
}
