// Package files is the file domain: upload ingestion (sniffing, size
// limits, streaming to a temporary file), decoding bounded by memory,
// derivatives (thumbnail, blur, blurhash), ownership checks, delete
// ordering and the CSAM check, with bounded concurrency. The HTTP layer
// and the agent both call it; it never renders API shapes.
package files

import (
	"context"
	"log/slog"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// Errors the HTTP layer maps to statuses.
var (
	ErrNoImage      = apperr.NotFoundf("Image not found")
	ErrNotYourImage = apperr.New(apperr.Forbidden, "This image is not yours")
	ErrCSAMBlocked  = apperr.New(apperr.Blocked, "This image violates the content policy and was deleted").WithCode("csam_blocked")
	ErrCheckDown    = apperr.New(apperr.Unavailable, "The content check is unavailable; try again later")
	// ErrUploadsBusy: every upload slot stayed taken for Limits.UploadWait.
	ErrUploadsBusy = apperr.New(apperr.Unavailable, "Too many uploads in progress; try again shortly").WithCode("busy")
	// ErrChecksBusy: the budget of anonymous checks is in use.
	ErrChecksBusy = apperr.New(apperr.Unavailable, "Too many anonymous checks in progress; try again shortly, or sign in").WithCode("busy")
)

// Limits are the service's bounds. Zero fields take the defaults below.
type Limits struct {
	// Decode bounds one image's pixels and decoded memory.
	Decode imaging.Limits
	// DecodeSlots is how many images are decoded and processed at once
	// process-wide (each costs a core and up to Decode.MaxBytes): 2.
	DecodeSlots int
	// UploadSlots is how many uploads may be in flight (their bodies go to
	// temporary files or straight to storage, not to memory): 16.
	UploadSlots int
	// UploadWait is how long an upload queues for a slot before ErrUploadsBusy
	// (10 s; negative: no wait).
	UploadWait time.Duration
	// AnonymousChecks is how many checks by callers without a token may
	// decode at once, so they never hold every decode slot: 1.
	AnonymousChecks int
	// TempDir holds uploaded images while they are decoded ("" = os.TempDir).
	TempDir string
}

func (l Limits) orDefaults() Limits {
	if l.DecodeSlots <= 0 {
		l.DecodeSlots = 2
	}
	if l.UploadSlots <= 0 {
		l.UploadSlots = 16
	}
	if l.UploadWait == 0 {
		l.UploadWait = 10 * time.Second
	}
	if l.AnonymousChecks <= 0 {
		l.AnonymousChecks = 1
	}
	return l
}

// Service does the file work. Build it with New.
type Service struct {
	Store      *store.Store
	Blobs      blob.Store
	Moderation moderation.Checker // nil: every check is ErrCheckDown
	Log        *slog.Logger
	Limits     Limits
	// Watermark marks downloads (nil: images unmarked, videos unavailable).
	Watermark *Watermarking

	marks       flights // one watermark run per file at a time
	decodeSlots chan struct{}
	uploadSlots chan struct{}
	anonChecks  chan struct{}
}

// New builds the service; zero limits take their defaults.
func New(st *store.Store, blobs blob.Store, mod moderation.Checker, log *slog.Logger, lim Limits) *Service {
	if log == nil {
		log = slog.Default()
	}
	lim = lim.orDefaults()
	return &Service{Store: st, Blobs: blobs, Moderation: mod, Log: log, Limits: lim,
		decodeSlots: make(chan struct{}, lim.DecodeSlots),
		uploadSlots: make(chan struct{}, lim.UploadSlots),
		anonChecks:  make(chan struct{}, lim.AnonymousChecks)}
}

// acquire takes a slot of sem, waiting with ctx.
func acquire(ctx context.Context, sem chan struct{}) (release func(), err error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tryAcquire takes a slot of sem if one is free now.
func tryAcquire(sem chan struct{}) (release func(), ok bool) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, true
	default:
		return nil, false
	}
}

// acquireUpload takes an upload slot, queueing up to Limits.UploadWait.
func (s *Service) acquireUpload(ctx context.Context) (func(), error) {
	if release, ok := tryAcquire(s.uploadSlots); ok {
		return release, nil
	}
	if s.Limits.UploadWait < 0 {
		return nil, ErrUploadsBusy
	}
	ctx, cancel := context.WithTimeout(ctx, s.Limits.UploadWait)
	defer cancel()
	release, err := acquire(ctx, s.uploadSlots)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		return nil, ErrUploadsBusy
	}
	return release, err
}
