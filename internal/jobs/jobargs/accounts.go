package jobargs

import (
	"time"

	"github.com/riverqueue/river"
)

// SendMail sends one transactional mail (internal/notify renders and sends
// it when the job runs). Event names the occurrence the mail is about —
// "deletion_scheduled:<userId>:<requestedAtUnixMs>", "daily:<userId>:<yyyy-mm-dd>" —
// and is the job's unique key: inserting the same event twice is a no-op,
// and the Message-ID derives from it, so a retried send is recognisable.
//
// To, Lang and Nickname are captured when the recipient may be gone by the
// time the job runs (the "completed" mail of a deleted account); empty, the
// job reads them from the profile when it runs (and skips a missing one).
type SendMail struct {
	Mail         string     `json:"mail"` // a mail.Kind
	UserID       string     `json:"userId"`
	Event        string     `json:"event" river:"unique"`
	To           string     `json:"to,omitempty"`
	Lang         string     `json:"lang,omitempty"`
	Nickname     string     `json:"nickname,omitempty"`
	DeletionDate *time.Time `json:"deletionDate,omitempty"`
}

// Kind is the River job kind.
func (SendMail) Kind() string { return "send_mail" }

// InsertOpts: mail retries through an SMTP outage (River's backoff over
// ~a day with 12 attempts) and is unique by event.
func (SendMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DailyMail is the once-a-day sweep that queues a SendMail for every
// opted-in free user whose daily top-up is claimable.
type DailyMail struct{}

// Kind is the River job kind.
func (DailyMail) Kind() string { return "daily_mail" }

// InsertOpts: a failed sweep retries a few times; SendMail's unique events
// keep a rerun from mailing anyone twice the same day.
func (DailyMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 5}
}

// DeleteAccount hard-deletes a user whose scheduled deletion came due
// (internal/accounts). It is inserted with ScheduledAt = the deletion date
// and cancelled when the user cancels.
type DeleteAccount struct {
	UserID string `json:"userId" river:"unique"`
}

// Kind is the River job kind.
func (DeleteAccount) Kind() string { return "delete_account" }

// InsertOpts: the delete is idempotent; it retries for days.
func (DeleteAccount) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 20}
}

// Third-party services a hard delete cleans up.
const (
	ServiceStripe   = "stripe"   // the payment customer
	ServicePostHog  = "posthog"  // the analytics person
	ServiceSupabase = "supabase" // the auth user
)

// ExternalCleanup deletes a deleted user's record at one third-party
// service. The store inserts one per service in the hard delete's own
// transaction (the local rows go whether or not the upstream answers); an
// unconfigured service completes at once.
type ExternalCleanup struct {
	Service string `json:"service" river:"unique"`
	UserID  string `json:"userId" river:"unique"`
	Email   string `json:"email,omitempty"` // captured before the profile went; Stripe finds the customer by it
	// StripeCustomerID is profiles.stripe_customer_id when it was set.
	StripeCustomerID string `json:"stripeCustomerId,omitempty"`
}

// Kind is the River job kind.
func (ExternalCleanup) Kind() string { return "external_cleanup" }

// InsertOpts: upstream outages are retried for days.
func (ExternalCleanup) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DeleteBlobPrefix removes every object under a key prefix ("u/<userId>/",
// "p/<userId>/") once the rows that pointed at them are gone.
type DeleteBlobPrefix struct {
	Prefix string `json:"prefix"`
}

// Kind is the River job kind.
func (DeleteBlobPrefix) Kind() string { return "delete_blob_prefix" }

// InsertOpts: clean-ups cost nothing, retry long.
func (DeleteBlobPrefix) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 10}
}

// ModerateThread checks a new thread's first message (text and attached
// images) and adds the "nsfw" flag to the thread on a hit.
type ModerateThread struct {
	ThreadID string `json:"threadId"`
}

// Kind is the River job kind.
func (ModerateThread) Kind() string { return "moderate_thread" }

// InsertOpts: a provider outage retries a while, then the thread stays
// unflagged (the images were checked on their own path).
func (ModerateThread) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 8}
}
