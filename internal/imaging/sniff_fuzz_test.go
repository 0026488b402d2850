package imaging

import (
	"bytes"
	"testing"
)

// FuzzSniff: any upload's first bytes are classified without panicking,
// deterministically, and only as one of the accepted formats (whose
// content type and extension lead back to it).
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"\x89PNG\r\n\x1a\n", "\xff\xd8\xff\xe0", "GIF89a", "RIFF\x24\x00\x00\x00WEBPVP8 ",
		"RIFF\x24\x00\x00\x00WAVEfmt ", "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "\x00\x00\x00\x18ftypM4A ",
		"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "ID3\x04\x00", "\xff\xfb\x90\x00", "<svg", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		got, ok := Sniff(head)
		again, ok2 := Sniff(bytes.Clone(head))
		if got != again || ok != ok2 {
			t.Fatalf("not deterministic: %v/%v then %v/%v", got, ok, again, ok2)
		}
		if !ok {
			return
		}
		if byCT, ok := ByContentType(got.ContentType); !ok || byCT.Kind != got.Kind {
			t.Fatalf("sniffed %v, whose content type is not accepted", got)
		}
	})
}
