package view

import "time"

// DeletionStatus is GET /support/deletion-status: {scheduled:true,
// deletionDate} or {scheduled:false}.
type DeletionStatus struct {
	Scheduled    bool    `json:"scheduled"`
	DeletionDate *string `json:"deletionDate,omitempty"`
}

// Deletion renders a deletion state; the date only when scheduled.
func Deletion(scheduled bool, date time.Time) DeletionStatus {
	if !scheduled {
		return DeletionStatus{}
	}
	d := Time(date)
	return DeletionStatus{Scheduled: true, DeletionDate: &d}
}
