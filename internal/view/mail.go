package view

// MailSent is POST /mail/daily: how many reminders the sweep queued.
type MailSent struct {
	Message string `json:"message"`
	Sent    int    `json:"sent"`
}
