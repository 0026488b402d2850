package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
	"github.com/kira-art/kira/internal/store"
)

// UnsubscribeKey is the key that signs unsubscribe tokens, derived (HMAC
// with a fixed label, so tokens are never interchangeable with other uses
// of the root) from secret when set, else from the data directory's URL
// signing key (blob.LoadOrCreateKey) — which instances sharing a data
// directory already share, so every instance accepts every link, and links
// stay valid across restarts.
func UnsubscribeKey(secret, dataDir string) ([]byte, error) {
	root := []byte(secret)
	if secret == "" {
		var err error
		if root, err = blob.LoadOrCreateKey(dataDir); err != nil {
			return nil, fmt.Errorf("unsubscribe key: %w", err)
		}
	}
	m := hmac.New(sha256.New, root)
	m.Write([]byte("kira mail unsubscribe v1"))
	return m.Sum(nil), nil
}

// UnsubscribeToken is "<userId>.<signature>". It does not expire: an
// unsubscribe link in an old mail must keep working.
func (s *Service) UnsubscribeToken(userID string) string {
	return userID + "." + s.sign(userID)
}

func (s *Service) sign(userID string) string {
	m := hmac.New(sha256.New, s.UnsubscribeKey)
	m.Write([]byte("unsubscribe:" + userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errBadToken is a 400: the link was altered, truncated or signed with
// another key.
var errBadToken = apperr.Invalidf("token: not a valid unsubscribe link")

// CheckUnsubscribe returns the user a token was signed for.
func (s *Service) CheckUnsubscribe(token string) (string, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(id) != 36 || uuid.Validate(id) != nil || len(s.UnsubscribeKey) == 0 {
		return "", errBadToken
	}
	if !hmac.Equal([]byte(sig), []byte(s.sign(id))) {
		return "", errBadToken
	}
	return id, nil
}

// Unsubscribe turns the daily mail off for the token's user: 400 for a
// bad token, 404 when the account no longer exists.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	id, err := s.CheckUnsubscribe(token)
	if err != nil {
		return err
	}
	if err := s.Store.SetNotification(ctx, id, false); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFoundf("account not found")
		}
		return err
	}
	s.log().InfoContext(ctx, "daily mail unsubscribed", "user_id", id)
	return nil
}

// Deletion mail stages, as POST /mail/account-deletion names them.
var deletionStages = map[string]mail.Kind{
	"scheduled": mail.KindDeletionScheduled,
	"reminder":  mail.KindDeletionReminder,
	"cancelled": mail.KindDeletionCancelled,
	"completed": mail.KindDeletionCompleted,
}

// ErrNotScheduled is a 409: a scheduled or reminder mail needs a deletion
// date and the user has none.
var ErrNotScheduled = apperr.New(apperr.Conflict, "No account deletion is scheduled for this user").WithCode("not_scheduled")

// QueueDeletionMail queues one deletion mail of stage for userID by hand
// (the operator's route): 400 for an unknown stage, 404 for an unknown
// user, ErrNotScheduled for scheduled/reminder without a deletion. The
// event carries the time, so each request sends one mail.
func (s *Service) QueueDeletionMail(ctx context.Context, userID, stage string) error {
	kind, ok := deletionStages[stage]
	if !ok {
		return apperr.Invalidf("stage: must be scheduled, reminder, cancelled or completed")
	}
	if _, err := s.Store.GetProfile(ctx, userID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFoundf("user not found")
		}
		return err
	}
	job := jobargs.SendMail{Mail: string(kind), UserID: userID,
		Event: fmt.Sprintf("manual:%s:%s:%d", stage, userID, s.now().UnixMilli())}
	if kind == mail.KindDeletionScheduled || kind == mail.KindDeletionReminder {
		at, err := s.Store.DeletionDate(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotScheduled
		}
		if err != nil {
			return err
		}
		job.DeletionDate = &at
	}
	return s.Store.Enqueue(ctx, job)
}
