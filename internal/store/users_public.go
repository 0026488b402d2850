package store

import (
	"context"
	"fmt"
)

// FeedOwner is the public face of a post's author.
type FeedOwner struct {
	ID            string
	Nickname      string
	AvatarImageID string
	Plan          string
}

// PublicProfile is a user's public profile with counts over public posts.
type PublicProfile struct {
	FeedOwner
	Banned      bool
	FeedCount   int // public posts
	LikedNumber int // likes received on public posts
}

// FeedOwners reads many users' public faces in one query; unknown ids are
// absent.
func (s *Store) FeedOwners(ctx context.Context, ids []string) (map[string]FeedOwner, error) {
	out := map[string]FeedOwner{}
	ids = nonEmptyUnique(ids)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.reader().query(ctx, `SELECT id, nickname, COALESCE(avatar_image_id, ''), plan
		FROM profiles WHERE id IN (`+placeholders(len(ids))+")", anySlice(ids)...)
	if err != nil {
		return nil, fmt.Errorf("feed owners: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var o FeedOwner
		if err := rows.Scan(&o.ID, &o.Nickname, &o.AvatarImageID, &o.Plan); err != nil {
			return nil, err
		}
		out[o.ID] = o
	}
	return out, rows.Err()
}

// GetPublicProfile reads a user's public profile and counts their public
// posts and the likes those received (callers hide banned users).
func (s *Store) GetPublicProfile(ctx context.Context, id string) (PublicProfile, error) {
	var p PublicProfile
	err := s.reader().row(ctx, `SELECT p.id, p.nickname, COALESCE(p.avatar_image_id, ''), p.plan, p.banned,
		(SELECT COUNT(*) FROM feeds f WHERE f.user_id = p.id AND f.is_public),
		(SELECT COALESCE(SUM(f.liked_number), 0) FROM feeds f WHERE f.user_id = p.id AND f.is_public)
		FROM profiles p WHERE p.id = ?`, id).Scan(&p.ID, &p.Nickname, &p.AvatarImageID, &p.Plan, &p.Banned,
		&p.FeedCount, &p.LikedNumber)
	return p, mapErr(err)
}

// ListUserFeeds pages a user's posts newest first: public ones only, or
// hidden ones too when the owner is looking (includeHidden).
func (s *Store) ListUserFeeds(ctx context.Context, userID string, includeHidden bool, offset, limit int) ([]Feed, error) {
	q := "SELECT " + plainFeedColumns + " FROM feeds WHERE user_id = ?"
	if !includeHidden {
		q += " AND is_public"
	}
	rows, err := s.reader().query(ctx, q+" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", userID, limit, offset)
	return scanFeeds(rows, err)
}
