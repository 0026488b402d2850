package view

import (
	"github.com/kira-art/kira/internal/store"
)

// Profile is the private Profile of API.md §2.
type Profile struct {
	ID                 string  `json:"id"`
	Nickname           string  `json:"nickname"`
	AvatarURL          *string `json:"avatarUrl"`
	Email              *string `json:"email"`
	Plan               string  `json:"plan"`
	Credit             int     `json:"credit"`
	AddonCredits       int     `json:"addonCredits"`
	Language           string  `json:"language"`
	Watermark          bool    `json:"watermark"`
	IsOpenNotification bool    `json:"isOpenNotification"`
	LastCreditIssuedAt *string `json:"lastCreditIssuedAt"`
}

// Profile renders the caller's profile; avatarKey is the avatar's stored
// key ("" = none).
func (c *Converter) Profile(p store.Profile, avatarKey string) Profile {
	v := Profile{ID: p.ID, Nickname: p.Nickname, AvatarURL: c.optURL(avatarKey), Plan: p.Plan,
		Credit: p.Credit, AddonCredits: p.AddonCredits, Language: p.Language, Watermark: p.Watermark,
		IsOpenNotification: p.IsOpenNotification, LastCreditIssuedAt: OptTime(p.LastCreditIssuedAt)}
	if p.Email != "" {
		v.Email = &p.Email
	}
	return v
}

// ProfileUpdated is the answer of PUT /user/profile: the public face.
func (c *Converter) ProfileUpdated(p store.Profile, avatarKey string) Owner {
	return Owner{ID: p.ID, Nickname: p.Nickname, AvatarURL: c.optURL(avatarKey), Plan: p.Plan}
}

// PublicProfile is {id, nickname, avatarUrl, plan, feedCount, likedNumber}.
type PublicProfile struct {
	Owner
	FeedCount   int `json:"feedCount"`
	LikedNumber int `json:"likedNumber"`
}

// PublicProfile renders GET /user/profile/{userId}.
func (c *Converter) PublicProfile(p store.PublicProfile, avatarKey string) PublicProfile {
	return PublicProfile{Owner: Owner{ID: p.ID, Nickname: p.Nickname, Plan: p.Plan, AvatarURL: c.optURL(avatarKey)},
		FeedCount: p.FeedCount, LikedNumber: p.LikedNumber}
}

// AvatarKey is the key an avatar is shown from: the thumbnail, else the
// original.
func AvatarKey(f store.File) string { return firstNonEmpty(f.ThumbKey, f.StorageKey) }

func (c *Converter) optURL(key string) *string {
	if key == "" {
		return nil
	}
	u := c.FileURL(key)
	return &u
}
