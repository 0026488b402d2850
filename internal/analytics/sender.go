package analytics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// run collects queued events into batches and sends one when it is full
// or its oldest event has waited Interval; on Stop it drains the queue.
func (c *Client) run() {
	defer close(c.done)
	defer c.cancel()
	batch := make([]event, 0, c.cfg.BatchSize)
	tick := time.NewTicker(c.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case ev := <-c.queue:
			if batch = append(batch, ev); len(batch) >= c.cfg.BatchSize {
				batch = c.flush(batch)
			}
		case <-tick.C:
			batch = c.flush(batch)
		case <-c.stopping:
			c.drain(batch)
			return
		}
	}
}

// drain sends batch and everything still queued.
func (c *Client) drain(batch []event) {
	for {
		select {
		case ev := <-c.queue:
			if batch = append(batch, ev); len(batch) >= c.cfg.BatchSize {
				batch = c.flush(batch)
			}
		default:
			c.flush(batch)
			return
		}
	}
}

// flush sends batch (retrying) and returns it emptied for reuse.
func (c *Client) flush(batch []event) []event {
	if len(batch) == 0 {
		return batch
	}
	err := c.sendWithRetry(batch)
	result := "sent"
	if err != nil {
		result = "failed"
		c.cfg.Log.Warn("analytics: batch dropped", "events", len(batch), "err", err)
	}
	c.counter.WithLabelValues(result).Add(float64(len(batch)))
	clear(batch) // drop the property maps
	return batch[:0]
}

// sendWithRetry tries a batch up to Attempts times, doubling the wait
// between; a 4xx other than 429 is final (resending cannot fix it).
func (c *Client) sendWithRetry(batch []event) error {
	body, err := json.Marshal(struct {
		APIKey string  `json:"api_key"`
		Batch  []event `json:"batch"`
	}{c.cfg.APIKey, batch})
	if err != nil {
		return err
	}
	wait := c.cfg.Backoff
	for attempt := 1; ; attempt++ {
		retry, err := c.send(body)
		if err == nil || !retry || attempt >= c.cfg.Attempts {
			return err
		}
		select {
		case <-time.After(wait):
			wait *= 2
		case <-c.ctx.Done():
			return err
		}
	}
}

// send posts one batch; retry says whether a failure may be temporary.
func (c *Client) send(body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.cfg.Host+"/batch/", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return c.ctx.Err() == nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 == 2 {
		return false, nil
	}
	return res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests, fmt.Errorf("posthog: %s", res.Status)
}
