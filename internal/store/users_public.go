package store

import (
	"context"
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
