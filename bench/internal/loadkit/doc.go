// Package loadkit holds the pieces the load tools under bench/ share: the
// reader of the UI message stream (SSE), latency percentiles, a process's
// RSS from /proc and the shape of a user message.
package loadkit
