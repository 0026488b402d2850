package blob

import "testing"

func TestFileKeys(t *testing.T) {
	t.Parallel()
	if k := FileKey("6f1c2d3e-1111-4222-8333-444455556666", "insert_abc", "thumb.jpg"); k != "u/6f1c2d3e-1111-4222-8333-444455556666/insert_abc/thumb.jpg" || !ValidKey(k) {
		t.Fatalf("FileKey = %q", k)
	}
	if k := PublicFileKey("u1", "gen_x", "original.png"); k != "p/u1/gen_x/original.png" {
		t.Fatalf("PublicFileKey = %q", k)
	}
	for _, bad := range [][3]string{{"", "f", "n"}, {"u", "..", "n"}, {"u", "a/b", "n"}, {"u", "f", ".hidden"}, {"u/../x", "f", "n"}, {"u", "f", "a%2Fb"}} {
		if k := FileKey(bad[0], bad[1], bad[2]); k != "" {
			t.Errorf("FileKey%v = %q, want refusal", bad, k)
		}
	}
}
