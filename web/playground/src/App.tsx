import { useCallback, useEffect, useState } from "react";
import { api, loadSession, saveSession, Unauthorized, type Profile, type Session, type Thread } from "./api";
import { Chat, type FirstMessage } from "./Chat";

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const signOut = useCallback(() => {
    saveSession(null);
    setSession(null);
  }, []);
  if (!session) return <SignIn onSignedIn={(s) => (saveSession(s), setSession(s))} />;
  return <Playground key={session.token} session={session} signOut={signOut} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [userId, setUserId] = useState("");
  const [error, setError] = useState("");
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError("");
    try {
      const t = await api<{ token: string; userId: string }>(null, "POST", "/dev/token", userId ? { userId } : {});
      onSignedIn({ token: t.token, userId: t.userId });
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  }
  return (
    <form className="signin" onSubmit={submit}>
      <h1>Kira playground</h1>
      <p>Development sign-in: a token from this server's own key, for the user id you choose or a random one.</p>
      <label>
        User id (UUID, empty = random){" "}
        <input value={userId} onChange={(e) => setUserId(e.target.value.trim())} placeholder="random" size={38} />
      </label>
      <button type="submit">Sign in</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

function Playground({ session, signOut }: { session: Session; signOut: () => void }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [threads, setThreads] = useState<Thread[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [first, setFirst] = useState<FirstMessage | null>(null);
  const [error, setError] = useState("");

  // call runs one request; a 401 (expired or foreign token) signs out.
  const call = useCallback(
    async <T,>(method: string, path: string, body?: unknown): Promise<T | undefined> => {
      try {
        setError("");
        return await api<T>(session, method, path, body);
      } catch (err) {
        if (err instanceof Unauthorized) signOut();
        else setError(String(err instanceof Error ? err.message : err));
        return undefined;
      }
    },
    [session, signOut],
  );
  const refreshThreads = useCallback(async () => {
    const r = await call<{ threads: Thread[] }>("GET", "/thread/threads");
    if (r) setThreads(r.threads);
  }, [call]);
  const refreshProfile = useCallback(async () => {
    const p = await call<Profile>("GET", "/user/profile");
    if (p) setProfile(p);
  }, [call]);
  useEffect(() => {
    refreshProfile();
    refreshThreads();
  }, [refreshProfile, refreshThreads]);

  async function startThread(text: string) {
    const message = { id: `u${Date.now()}`, role: "user" as const, parts: [{ type: "text" as const, text }] };
    const t = await call<{ id: string }>("POST", "/thread/", { message });
    if (!t) return;
    setFirst({ threadId: t.id, id: message.id, text });
    setCurrent(t.id);
    refreshThreads();
  }
  async function rename(t: Thread) {
    const title = window.prompt("Thread title", t.title);
    if (title && (await call("PATCH", `/thread/${t.id}`, { title })) !== undefined) refreshThreads();
  }
  async function remove(t: Thread) {
    if (!window.confirm(`Delete "${t.title}"?`)) return;
    await call("DELETE", `/thread/${t.id}`);
    if (current === t.id) setCurrent(null);
    refreshThreads();
  }
  const setProfileFrom = async (method: string, path: string, body?: unknown) => {
    const p = await call<Profile>(method, path, body);
    if (p) setProfile(p);
  };

  return (
    <>
      <header>
        <strong>Kira playground</strong>
        {profile && (
          <span aria-label="Profile">
            <span data-testid="nickname">{profile.nickname}</span> · plan <span data-testid="plan">{profile.plan}</span> ·
            credits <span data-testid="credits">{profile.credit + profile.addonCredits}</span>
          </span>
        )}
        <button onClick={() => setProfileFrom("PUT", "/dev/plan", { plan: profile?.plan === "pro" ? "free" : "pro" })}>
          {profile?.plan === "pro" ? "Switch to free" : "Switch to pro"}
        </button>
        <button onClick={() => setProfileFrom("POST", "/dev/credits")}>+100 credits</button>
        <button onClick={signOut}>Sign out</button>
        {error && <span className="error" role="alert">{error}</span>}
      </header>
      <main>
        <aside>
          <button onClick={() => setCurrent(null)}>New thread</button>
          <ul aria-label="Threads">
            {threads.map((t) => (
              <li key={t.id}>
                <button className="thread" aria-current={t.id === current} onClick={() => setCurrent(t.id)}>
                  {t.title || "Untitled"}
                </button>
                <button aria-label={`Rename ${t.title}`} onClick={() => rename(t)}>✎</button>
                <button aria-label={`Delete ${t.title}`} onClick={() => remove(t)}>✕</button>
              </li>
            ))}
          </ul>
        </aside>
        {current ? (
          <Chat
            key={current}
            session={session}
            threadId={current}
            first={first?.threadId === current ? first : null}
            onFirstSent={() => setFirst(null)}
            onSignedOut={signOut}
            onTurnEnd={() => (refreshProfile(), refreshThreads())}
          />
        ) : (
          <section className="chat">
            <p>Start a new thread: ask for an image, a video or a song.</p>
            <Composer onSend={startThread} busy={false} />
          </section>
        )}
      </main>
    </>
  );
}

export function Composer({ onSend, busy, onStop }: { onSend: (text: string) => void; busy: boolean; onStop?: () => void }) {
  const [text, setText] = useState("");
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim() || busy) return;
        onSend(text.trim());
        setText("");
      }}
    >
      <label htmlFor="message">Message</label>
      <textarea id="message" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" disabled={busy}>Send</button>
      {busy && onStop && (
        <button type="button" onClick={onStop}>Stop</button>
      )}
    </form>
  );
}
