package middleware

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDbg(t *testing.T) {
	rec := httptest.NewRecorder()
	sw := newStatusWriter(rec)
	n1, err1 := sw.Write([]byte("abc"))
	t.Log(n1, err1, sw.bytes)
	n, err := sw.ReadFrom(strings.NewReader("defg"))
	t.Log(n, err, sw.bytes)
}
