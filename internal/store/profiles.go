package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Plans (API.md §2).
var Plans = []string{"free", "basic", "basic_year", "pro", "pro_year", "max", "max_year"}

// SignupCredit is the free credit a new profile starts with.
const SignupCredit = 30

// Profile is a user's private profile row.
type Profile struct {
	ID                 string
	Email              string
	Nickname           string
	AvatarImageID      string
	Plan               string
	Credit             int
	AddonCredits       int
	Language           string
	Watermark          bool
	IsOpenNotification bool
	LastCreditIssuedAt *time.Time
	Banned             bool
	ReferralCode       string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const profileColumns = `id, COALESCE(email, ''), nickname, COALESCE(avatar_image_id, ''), plan, credit,
	addon_credits, language, watermark, is_open_notification, last_credit_issued_at, banned,
	COALESCE(referral_code, ''), created_at, updated_at`

func scanProfile(row interface{ Scan(...any) error }) (Profile, error) {
	var p Profile
	var issued *int64
	var created, updated int64
	err := row.Scan(&p.ID, &p.Email, &p.Nickname, &p.AvatarImageID, &p.Plan, &p.Credit,
		&p.AddonCredits, &p.Language, &p.Watermark, &p.IsOpenNotification, &issued, &p.Banned,
		&p.ReferralCode, &created, &updated)
	if err != nil {
		return Profile{}, mapErr(err)
	}
	p.LastCreditIssuedAt = optMicros(issued)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// GetProfile reads one profile.
func (s *Store) GetProfile(ctx context.Context, id string) (Profile, error) {
	return scanProfile(s.reader().row(ctx, "SELECT "+profileColumns+" FROM profiles WHERE id = ?", id))
}

// EnsureProfile returns the user's profile, creating it on first sight (lazy
// sign-up): plan free, the sign-up credit recorded in the ledger, nickname
// from the email's local part. Concurrent first requests are safe: the
// insert does nothing when another request won the race.
func (s *Store) EnsureProfile(ctx context.Context, id, email string) (Profile, bool, error) {
	p, err := s.GetProfile(ctx, id)
	if !errors.Is(err, ErrNotFound) {
		return p, false, err
	}
	created := false
	err = s.inTx(ctx, func(c conn) error {
		t := micros(now())
		res, err := c.exec(ctx, `INSERT INTO profiles (id, email, nickname, plan, credit,
			last_credit_issued_at, referral_code, created_at, updated_at)
			VALUES (?, ?, ?, 'free', ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, nullString(email), nicknameFrom(email, id), SignupCredit, t, newReferralCode(), t, t)
		if err != nil {
			return fmt.Errorf("insert profile: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		created = true
		_, err = c.exec(ctx, `INSERT INTO credit_ledger (id, user_id, entry_key, credit_delta, reason, created_at)
			VALUES (?, ?, ?, ?, 'signup_bonus', ?)`, uuid.NewString(), id, "signup:"+id, SignupCredit, t)
		return mapErr(err)
	})
	if err != nil {
		return Profile{}, false, err
	}
	p, err = s.GetProfile(ctx, id)
	return p, created, err
}

// ProfilePatch is a partial profile update; nil fields stay unchanged.
// SetAvatar with an empty AvatarImageID clears the avatar.
type ProfilePatch struct {
	Nickname           *string
	Language           *string
	SetAvatar          bool
	AvatarImageID      string
	Watermark          *bool
	IsOpenNotification *bool
}

// UpdateProfile applies a patch and returns the new profile.
func (s *Store) UpdateProfile(ctx context.Context, id string, p ProfilePatch) (Profile, error) {
	var sets []string
	var args []any
	add := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
	if p.Nickname != nil {
		add("nickname", *p.Nickname)
	}
	if p.Language != nil {
		add("language", *p.Language)
	}
	if p.SetAvatar {
		add("avatar_image_id", nullString(p.AvatarImageID))
	}
	if p.Watermark != nil {
		add("watermark", *p.Watermark)
	}
	if p.IsOpenNotification != nil {
		add("is_open_notification", *p.IsOpenNotification)
	}
	add("updated_at", micros(now()))
	var out Profile
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE profiles SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		out, err = scanProfile(c.row(ctx, "SELECT "+profileColumns+" FROM profiles WHERE id = ?", id))
		return err
	})
	return out, err
}

// nicknameFrom derives a default nickname: the email's local part, or
// "user-" and the first characters of the id.
func nicknameFrom(email, id string) string {
	local, _, _ := strings.Cut(email, "@")
	local = strings.TrimSpace(local)
	if local == "" {
		return "user-" + strings.ReplaceAll(id, "-", "")[:8]
	}
	if r := []rune(local); len(r) > 32 {
		local = string(r[:32])
	}
	return local
}

const referralAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newReferralCode() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck // crypto/rand never fails on supported platforms
	for i := range b {
		b[i] = referralAlphabet[int(b[i])%len(referralAlphabet)]
	}
	return string(b)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// SetPlan changes a user's plan (billing webhooks, operators, tests).
func (s *Store) SetPlan(ctx context.Context, id, plan string) error {
	valid := false
	for _, p := range Plans {
		valid = valid || p == plan
	}
	if !valid {
		return fmt.Errorf("unknown plan %q", plan)
	}
	return s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE profiles SET plan = ?, updated_at = ? WHERE id = ?", plan, micros(now()), id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
