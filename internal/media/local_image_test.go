package media

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"testing"
)

func TestLocalImagesDeterministicAndPromptDependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := LocalImages{}
	a, err := p.Generate(ctx, ImageRequest{Prompt: "a red fox", Ratio: "16:9", Model: "lite", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Generate(ctx, ImageRequest{Prompt: "a red fox", Ratio: "16:9", Model: "lite", Count: 2})
	other, _ := p.Generate(ctx, ImageRequest{Prompt: "a blue whale", Ratio: "16:9", Model: "lite", Count: 1})
	if !bytes.Equal(a[0].Data, again[0].Data) {
		t.Fatal("same request gave different bytes")
	}
	if bytes.Equal(a[0].Data, a[1].Data) || bytes.Equal(a[0].Data, other[0].Data) {
		t.Fatal("different seeds or prompts gave identical images")
	}
	img, err := png.Decode(bytes.NewReader(a[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 288 || a[0].Width != 512 || a[0].Height != 288 {
		t.Fatalf("16:9 lite is %v, reported %dx%d", b, a[0].Width, a[0].Height)
	}
}

func TestDimensionsAndBadRequests(t *testing.T) {
	t.Parallel()
	cases := map[[2]string][2]int{{"ultra", "9:16"}: {576, 1024}, {"nova", "auto"}: {768, 768}, {"", "1:1"}: {768, 768}}
	for in, want := range cases {
		w, h, err := Dimensions(in[0], in[1])
		if err != nil || w != want[0] || h != want[1] {
			t.Errorf("%v: %dx%d %v, want %v", in, w, h, err, want)
		}
	}
	for _, bad := range [][2]string{{"mega", "1:1"}, {"lite", "0:1"}, {"lite", "wide"}, {"lite", "100:1"}} {
		if _, _, err := Dimensions(bad[0], bad[1]); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := (LocalImages{}).Generate(context.Background(), ImageRequest{Prompt: "x", Count: 5}); !errors.Is(err, ErrBadRequest) {
		t.Error("count 5 accepted")
	}
}
