package runs

import (
	"strconv"
	"strings"
)

// eventID is a Redis stream id: milliseconds and a sequence within the
// millisecond. Memory uses the same form so an id means the same on every
// backend and sorts by time: a Last-Event-ID left over from an earlier run
// on the thread is older than every entry of the current run, so it replays
// everything instead of skipping chunks.
type eventID struct{ ms, seq uint64 }

// parseEventID accepts exactly "<ms>-<seq>" in decimal, the form both
// backends produce.
func parseEventID(s string) (eventID, bool) {
	msPart, seqPart, ok := strings.Cut(s, "-")
	if !ok {
		return eventID{}, false
	}
	// ParseUint refuses signs, spaces and empty strings.
	ms, err1 := strconv.ParseUint(msPart, 10, 64)
	seq, err2 := strconv.ParseUint(seqPart, 10, 64)
	if err1 != nil || err2 != nil {
		return eventID{}, false
	}
	return eventID{ms, seq}, true
}

func (e eventID) String() string {
	return strconv.FormatUint(e.ms, 10) + "-" + strconv.FormatUint(e.seq, 10)
}

func (e eventID) compare(o eventID) int {
	switch {
	case e.ms < o.ms:
		return -1
	case e.ms > o.ms:
		return 1
	case e.seq < o.seq:
		return -1
	case e.seq > o.seq:
		return 1
	}
	return 0
}

// next returns the id after e for an entry added at nowMS, as XADD * does:
// the clock's millisecond when it moved on, else the same millisecond with
// the next sequence (the clock may stand still or step back).
func (e eventID) next(nowMS uint64) eventID {
	if nowMS > e.ms {
		return eventID{ms: nowMS}
	}
	return eventID{ms: e.ms, seq: e.seq + 1}
}
