package view

import "github.com/kira-art/kira/internal/store"

// Upload is the answer of POST /upload; image is set for images.
type Upload struct {
	FileID      string `json:"fileId"`
	Kind        string `json:"kind"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	Image       *Image `json:"image,omitempty"`
}

// Upload renders a stored upload.
func (c *Converter) Upload(f store.File) Upload {
	u := Upload{FileID: f.ID, Kind: f.Kind, ContentType: f.ContentType, Size: f.Size}
	if f.Kind == store.MediaImage {
		img := c.Image(f)
		u.Image = &img
	}
	return u
}

// Featured is the answer of PUT/DELETE /feed/{id}/featured.
type Featured struct {
	ID       string `json:"id"`
	Featured bool   `json:"featured"`
}

// DailyReward is POST /reward/daily: {eligible:true, credit, nextEligibleAt}
// or {eligible:false, message, nextEligibleAt?}.
type DailyReward struct {
	Eligible       bool    `json:"eligible"`
	Credit         *int    `json:"credit,omitempty"`
	Message        string  `json:"message,omitempty"`
	NextEligibleAt *string `json:"nextEligibleAt,omitempty"`
}

// Referral is GET /user/referral-info.
type Referral struct {
	ReferralCode  string `json:"referralCode"`
	InvitedCount  int    `json:"invitedCount"`
	EarnedCredits int    `json:"earnedCredits"`
}

// SupportHash is GET /support/hash.
type SupportHash struct {
	Email    string `json:"email"`
	UserHash string `json:"userHash"`
}
