package realtime

import (
	"context"
	"errors"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/golang-jwt/jwt/v5"
)

// The node answers token problems as Centrifugo does, so centrifuge-js
// behaves the same against either deployment: an expired token gets
// ErrorTokenExpired (109, the client calls getToken and reconnects), a bad
// one DisconnectInvalidToken (3500, the client stops), a verifier that
// could not decide (JWKS unreachable) ErrorInternal (temporary, the client
// retries).

// connecting authenticates a connect command by its token field.
func (n *Node) connecting(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
	userID, exp, err := n.verify(ctx, e.Token)
	if err != nil {
		return centrifuge.ConnectReply{}, err
	}
	return centrifuge.ConnectReply{
		Credentials: &centrifuge.Credentials{UserID: userID, ExpireAt: exp.Unix()},
		// The client refreshes with a new token from its getToken before
		// exp; the server never extends a connection on its own.
		ClientSideRefresh: true,
	}, nil
}

// connected installs the per-connection handlers. Client publish, RPC,
// history and presence have no handler, so Centrifuge refuses them.
func (n *Node) connected(c *centrifuge.Client) {
	c.OnRefresh(func(e centrifuge.RefreshEvent, cb centrifuge.RefreshCallback) {
		cb(n.refresh(c, e))
	})
	c.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
		cb(centrifuge.SubscribeReply{}, n.allowSubscribe(c.UserID(), e))
	})
}

// refresh re-verifies the token a client sends before its connection
// expires. The new token must name the same user: credentials cannot
// change on a live connection.
func (n *Node) refresh(c *centrifuge.Client, e centrifuge.RefreshEvent) (centrifuge.RefreshReply, error) {
	userID, exp, err := n.verify(c.Context(), e.Token)
	switch {
	case errors.Is(err, centrifuge.ErrorTokenExpired):
		return centrifuge.RefreshReply{Expired: true}, nil
	case err != nil:
		return centrifuge.RefreshReply{}, err
	case userID != c.UserID():
		n.log.Info("realtime: refresh token names another user", "user_id", c.UserID())
		return centrifuge.RefreshReply{}, centrifuge.DisconnectInvalidToken
	}
	return centrifuge.RefreshReply{ExpireAt: exp.Unix()}, nil
}

// allowSubscribe permits exactly the user's own thread channels.
func (n *Node) allowSubscribe(userID string, e centrifuge.SubscribeEvent) error {
	if e.Type != centrifuge.SubscriptionTypeStream {
		return centrifuge.ErrorPermissionDenied
	}
	owner, _, err := ParseUserChannel(e.Channel)
	if err != nil || owner != userID {
		return centrifuge.ErrorPermissionDenied
	}
	return nil
}

// verify checks a token and maps the outcome to a Centrifuge error.
func (n *Node) verify(ctx context.Context, token string) (string, time.Time, error) {
	if token == "" {
		return "", time.Time{}, centrifuge.DisconnectInvalidToken
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	userID, exp, err := n.cfg.Verify(ctx, token)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", time.Time{}, centrifuge.ErrorTokenExpired
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		n.log.Warn("realtime: token check did not finish", "error", err)
		return "", time.Time{}, centrifuge.ErrorInternal
	case err != nil:
		n.log.Debug("realtime: token refused", "error", err)
		return "", time.Time{}, centrifuge.DisconnectInvalidToken
	case userID == "" || exp.IsZero():
		n.log.Warn("realtime: verifier accepted a token without user or expiry")
		return "", time.Time{}, centrifuge.DisconnectInvalidToken
	case !exp.After(time.Now()):
		return "", time.Time{}, centrifuge.ErrorTokenExpired
	}
	return userID, exp, nil
}
