package app

import "github.com/kira-art/kira/internal/accounts"

// accountService builds account deletion once (the workers and the HTTP
// API share it): the agent stops the user's runs, the hot-cache
// invalidator tells every instance, ACCOUNT_DELETION_GRACE and
// ACCOUNT_DELETION_REMINDER set the schedule.
func (a *App) accountService() *accounts.Service {
	if a.accounts == nil {
		a.accounts = &accounts.Service{Store: a.store, Cache: a.cache, Log: a.log,
			Config: accounts.Config{Grace: a.cfg.Accounts.DeletionGrace, Reminder: a.cfg.Accounts.DeletionReminder}}
		if a.agent != nil {
			a.accounts.Runs = a.agent
		}
	}
	return a.accounts
}
