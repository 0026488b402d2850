// Command kira is the Kira backend: `kira serve` runs the HTTP API,
// `kira migrate` applies database migrations, `kira token` mints a
// development token, `kira seed` fills the database with demo data,
// `kira plan` sets a user's plan, `kira feature` features a post,
// `kira version` prints the build.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kira-art/kira/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kira:", err)
		os.Exit(1)
	}
}

const usage = `usage: kira <command> [flags]

commands:
  serve     run the HTTP API and the background workers (embedded defaults: SQLite in ./data, in-memory streams)
  worker    run only the background workers (same configuration; split instances on Postgres + Redis)
  migrate   apply database migrations and exit
  token     mint a development token: kira token --sub <uuid> [--email a@b.c] [--ttl 1h]
  seed      fill the database with demo data: kira seed --users N --posts M [--threads-per-user K] [--images=false] [--seed-value S]
  plan      set a user's plan: kira plan --sub <uuid> --plan pro
  credits   grant addon credits: kira credits --sub <uuid> --add 100 (prints the new balance)
  blob      copy the local file store into the S3 store of S3_*: kira blob migrate (idempotent)
  feature   feature a post on GET /feed/featured: kira feature --feed <uuid> [--off]
  version   print the version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		return serve(ctx, stderr, app.RoleServe)
	case "worker":
		return serve(ctx, stderr, app.RoleWorker)
	case "migrate":
		return migrate(ctx, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "seed":
		return seedCmd(ctx, args[1:], stdout, stderr)
	case "plan":
		return plan(ctx, args[1:], stdout, stderr)
	case "credits":
		return credits(ctx, args[1:], stdout, stderr)
	case "blob":
		return blobCmd(ctx, args[1:], stderr)
	case "feature":
		return feature(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "kira", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
