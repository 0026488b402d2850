package media

import (
	"errors"
	"testing"
)

// The response decoders read whatever a provider (or a proxy in front of
// it) sends: any input must give pending, done with a URL, or a
// ProviderError, and never panic.

func FuzzDecodeSeedanceTask(f *testing.F) {
	for _, s := range []string{
		`{"id":"cgt-1","status":"succeeded","content":{"video_url":"https://x/v.mp4"}}`,
		`{"status":"failed","error":{"code":"InternalServiceError","message":"m"}}`,
		`{"status":"running"}`, `{"status":"expired","error":null}`, `{"status":1}`, `null`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, done, err := decodeSeedanceTask(raw)
		checkDecoded(t, u != "", done, err)
	})
}

func FuzzDecodeSunoRecord(f *testing.F) {
	for _, s := range []string{
		sunoTracks("SUCCESS", sunoTrackJSON("https://x/a.mp3", "https://x/c.jpg", "t")).body,
		sunoTracks("FIRST_SUCCESS", sunoTrackJSON("", "", "t")).body,
		`{"code":200,"data":{"status":"SENSITIVE_WORD_ERROR","errorMessage":"no"}}`,
		`{"code":430,"msg":"slow"}`, `{"code":200,"data":null}`, `{"code":200}`, `{"code":"200"}`, `x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		track, done, err := decodeSunoRecord(raw)
		checkDecoded(t, track.AudioURL != "", done, err)
	})
}

func checkDecoded(t *testing.T, hasURL, done bool, err error) {
	t.Helper()
	switch {
	case done && (!hasURL || err != nil):
		t.Fatalf("done without a URL or with an error: %v", err)
	case err != nil && done:
		t.Fatal("an error and done")
	case err != nil:
		var pe *ProviderError
		if !errors.As(err, &pe) {
			t.Fatalf("%T, want a ProviderError", err)
		}
		_ = pe.Error()
	}
}

func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{`{"error":{"code":"X","message":"m"}}`, `{"code":429,"msg":"m"}`, `{"error":"s"}`, `{"detail":[1]}`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = errorBodyCode(raw)
		_ = errorBodyMessage(raw)
	})
}
