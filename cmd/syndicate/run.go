package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"syndicate/config"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/store/redis"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a source failed, or the server stopped on an error
	exitConfig = 2 // bad configuration or usage
)

// Main is the program: its subcommands, streams and environment, so tests
// can run it in-process on port 0.
type Main struct {
	Stdout, Stderr io.Writer
	Env            func(string) (string, bool)
	// Environ lists the environment (os.Environ) for check-config's
	// warnings about unknown SYNDICATE_* variables; none if nil.
	Environ func() []string
	// Ready, if set, receives the listening address once serve accepts
	// connections.
	Ready func(addr string)
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// websubMinRenewal, if set, replaces websub.DefaultMinRenewal (tests
	// with leases of seconds).
	websubMinRenewal time.Duration
}

// NewMain returns a Main on the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Env: os.LookupEnv, Environ: os.Environ, Now: time.Now}
}

const usage = `usage: syndicate <command> [flags]

commands:
  serve          run the HTTP server and the ingest scheduler
  ingest         run one ingest pass now and print a line per source
  try            parse and normalize feeds (files or URLs) without storing; report per document
  check-config   validate the configuration and print every problem
  version        print the version, commit and Go version
  healthcheck    exit 0 when the local server answers /healthz (for containers)

Run "syndicate <command> --help" for a command's flags.
`

// Run runs the subcommand in args and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if m.Now == nil {
		m.Now = time.Now
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitConfig
	}
	switch args[0] {
	case "serve":
		return m.serve(ctx, args[1:])
	case "ingest":
		return m.ingest(ctx, args[1:])
	case "try":
		return m.try(ctx, args[1:])
	case "check-config":
		return m.checkConfig(args[1:])
	case "version":
		return m.version(args[1:])
	case "healthcheck":
		return m.healthcheck(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(m.Stdout, usage)
		return exitOK
	}
	fmt.Fprintf(m.Stderr, "syndicate: unknown command %q\n\n%s", args[0], usage)
	return exitConfig
}

// flags returns a FlagSet for a subcommand with its usage text.
func (m *Main) flags(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: syndicate %s [flags]\n\n%s\n\nflags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; ok is false when the command should exit with code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitConfig, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return exitConfig, false
	}
	return 0, true
}

// configPath is --config, else ./syndicate.yaml if present, else "".
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if _, err := os.Stat("syndicate.yaml"); err == nil {
		return "syndicate.yaml"
	}
	return ""
}

// loadConfig loads the configuration, printing every problem on failure.
func (m *Main) loadConfig(path string) (*config.Config, int) {
	cfg, err := config.Load(configPath(path), m.Env)
	if err != nil {
		var probs config.Errors
		if errors.As(err, &probs) {
			for _, p := range probs {
				fmt.Fprintln(m.Stderr, p.Error())
			}
			fmt.Fprintf(m.Stderr, "%d configuration problem(s)\n", len(probs))
		} else {
			fmt.Fprintf(m.Stderr, "syndicate: %v\n", err)
		}
		return nil, exitConfig
	}
	return cfg, exitOK
}

func (m *Main) checkConfig(args []string) int {
	fs := m.flags("check-config", "Validates the configuration (file, then SYNDICATE_* environment) and prints\nevery problem with its key path and line. Exit 2 on any problem.")
	path := fs.String("config", "", "config file (default ./syndicate.yaml if present, else built-in defaults)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := m.loadConfig(*path)
	if cfg == nil {
		return code
	}
	if m.Environ != nil {
		for _, w := range config.UnknownEnv(m.Environ()) {
			fmt.Fprintln(m.Stderr, "warning: "+w)
		}
	}
	where := cfg.Path
	if where == "" {
		where = "built-in defaults"
	}
	store := "embedded store in " + cfg.Store.DataDir
	if cfg.Store.RedisURL != "" {
		store = "Redis"
	}
	fmt.Fprintf(m.Stdout, "ok: %s: %d source(s), %s\n", where, len(cfg.Sources), store)
	return exitOK
}

func (m *Main) version(args []string) int {
	fs := m.flags("version", "Prints the version, commit and Go version.")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	commit, modified := "unknown", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
	}
	fmt.Fprintf(m.Stdout, "syndicate %s\ncommit %s%s\n%s %s/%s\n", Version, commit, modified, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// newLogger builds the process logger from log.format and log.level.
func (m *Main) newLogger(cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Parsed.LogLevel}
	format := cfg.Log.Format
	if format == "auto" || format == "" {
		format = "json"
		if f, ok := m.Stderr.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// openStore opens Redis when configured, else the embedded store.
func (m *Main) openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, lockTimeout time.Duration, onUnavailable func()) (store.Store, bool, error) {
	if cfg.Store.RedisURL != "" {
		s, err := redis.Open(ctx, redis.Options{URL: cfg.Store.RedisURL, Prefix: cfg.Store.RedisPrefix, Now: m.Now, Logger: log, OnUnavailable: onUnavailable, TombstoneWindow: cfg.Feeds.TombstoneWindow})
		if err != nil {
			return nil, true, err
		}
		return s, true, nil
	}
	s, err := embedded.Open(cfg.Store.DataDir, embedded.Options{LockTimeout: lockTimeout, Now: m.Now, TombstoneWindow: cfg.Feeds.TombstoneWindow})
	if err != nil {
		return nil, false, err
	}
	return s, false, nil
}
