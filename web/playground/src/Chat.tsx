import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { Centrifuge } from "centrifuge";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, Unauthorized, type Image, type Session, type Task } from "./api";
import { Composer } from "./App";

export type FirstMessage = { threadId: string; id: string; text: string };

type Props = {
  session: Session;
  threadId: string;
  first: FirstMessage | null; // a new thread's stored first message: start its run
  onFirstSent: () => void;
  onSignedOut: () => void;
  onTurnEnd: () => void;
};

// Chat loads a thread's stored messages, then hands them to useChat.
export function Chat(props: Props) {
  const [initial, setInitial] = useState<UIMessage[] | null>(null);
  useEffect(() => {
    if (props.first) {
      setInitial([]);
      return;
    }
    api<{ messages: UIMessage[] }>(props.session, "GET", `/agent/chatMessages/${props.threadId}`)
      .then((r) => setInitial(r.messages))
      .catch((err) => (err instanceof Unauthorized ? props.onSignedOut() : setInitial([])));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.threadId]);
  if (!initial) return <section className="chat">Loading…</section>;
  return <LiveChat {...props} initial={initial} />;
}

function LiveChat({ session, threadId, first, onFirstSent, onSignedOut, onTurnEnd, initial }: Props & { initial: UIMessage[] }) {
  const auth = { Authorization: `Bearer ${session.token}` };
  const transport = useMemo(
    () =>
      new DefaultChatTransport({
        api: "/agent/streaming",
        headers: auth,
        // A reload mid-run resumes here (204 when nothing runs).
        prepareReconnectToStreamRequest: ({ id }) => ({ api: `/agent/stream/${id}`, headers: auth }),
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [session.token],
  );
  const { messages, sendMessage, status, stop, error } = useChat({
    id: threadId,
    messages: initial,
    transport,
    resume: !first,
    onFinish: onTurnEnd,
    onError: (err) => {
      if (err.message.includes("Unauthorized")) onSignedOut();
    },
  });
  const tasks = useTaskStatus(session, threadId);
  const started = useRef(false);
  useEffect(() => {
    if (first && !started.current) {
      started.current = true;
      sendMessage({ id: first.id, role: "user", parts: [{ type: "text", text: first.text }] });
      onFirstSent();
    }
  }, [first, sendMessage, onFirstSent]);

  const busy = status === "submitted" || status === "streaming";
  async function stopRun() {
    await api(session, "POST", `/agent/task/${threadId}/stop`).catch(() => undefined);
    stop();
  }
  return (
    <section className="chat" aria-label="Chat">
      {messages.map((m) => (
        <Message key={m.id} message={m} tasks={tasks} />
      ))}
      {status === "submitted" && <p>Thinking…</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
      <Composer onSend={(text) => sendMessage({ text })} busy={busy} onStop={stopRun} />
    </section>
  );
}

function Message({ message, tasks }: { message: UIMessage; tasks: Record<string, Task> }) {
  return (
    <article className={`message ${message.role}`} aria-label={`${message.role} message`}>
      {message.parts.map((part, i) => {
        if (part.type === "text") return <div key={i} className="text">{part.text}</div>;
        if (part.type === "reasoning") return <div key={i} className="reasoning">{part.text}</div>;
        if (part.type === "file" && part.mediaType.startsWith("image/"))
          return <img key={i} src={part.url} alt={part.filename ?? "attachment"} width={160} />;
        if (part.type.startsWith("tool-")) return <ToolPart key={i} part={part as unknown as ToolPartData} tasks={tasks} />;
        return null;
      })}
    </article>
  );
}

type ToolPartData = {
  type: string;
  state: string;
  input?: { prompt?: string };
  output?: { images?: Image[]; video?: Task; audio?: Task };
  errorText?: string;
};

function ToolPart({ part, tasks }: { part: ToolPartData; tasks: Record<string, Task> }) {
  const name = part.type.slice("tool-".length);
  const out = part.output;
  return (
    <div className="tool">
      <div>
        {name}: {part.state === "output-available" ? "done" : part.state === "output-error" ? part.errorText : "working…"}
      </div>
      {out?.images && (
        <div className="images">
          {out.images.map((img) => (
            <a key={img.imageId} href={img.url} target="_blank" rel="noreferrer">
              <img
                src={img.thumbUrl ?? img.url}
                alt={img.prompt ?? part.input?.prompt ?? "generated image"}
                style={img.blurUrl ? { backgroundImage: `url(${img.blurUrl})` } : undefined}
              />
            </a>
          ))}
        </div>
      )}
      {out?.video && <TaskView task={tasks[out.video.taskId] ?? out.video} kind="video" />}
      {out?.audio && <TaskView task={tasks[out.audio.taskId] ?? out.audio} kind="audio" />}
    </div>
  );
}

function TaskView({ task, kind }: { task: Task; kind: "video" | "audio" }) {
  return (
    <div className="task">
      <span>
        {kind} <span data-testid="task-status">{task.status}</span>
      </span>
      {task.status === "completed" && task.url && kind === "video" && (
        <video src={task.url} poster={task.thumbUrl} controls width={320} />
      )}
      {task.status === "completed" && task.url && kind === "audio" && (
        <div>
          {task.coverUrl && <img src={task.coverUrl} alt={`cover: ${task.prompt ?? "song"}`} width={120} />}
          <audio src={task.url} controls />
        </div>
      )}
    </div>
  );
}

// useTaskStatus follows the thread's realtime channel
// ({userId}/{threadId}#{userId}) and keeps the latest task of each id.
function useTaskStatus(session: Session, threadId: string): Record<string, Task> {
  const [tasks, setTasks] = useState<Record<string, Task>>({});
  useEffect(() => {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const c = new Centrifuge(`${proto}://${location.host}/connection/websocket`, { token: session.token });
    const sub = c.newSubscription(`${session.userId}/${threadId}#${session.userId}`);
    sub.on("publication", (ctx) => {
      const d = ctx.data as { type?: string; taskId?: string; status?: string; video?: Task; audio?: Task };
      const t = d.video ?? d.audio;
      if (d.taskId && t) setTasks((prev) => ({ ...prev, [d.taskId!]: { ...t, status: d.status ?? t.status } }));
    });
    sub.subscribe();
    c.connect();
    return () => c.disconnect();
  }, [session.token, session.userId, threadId]);
  return tasks;
}
