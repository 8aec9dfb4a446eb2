using Latchkey.Data;

namespace Latchkey.Server.Audit;

/// <summary>
/// Audit events of failures that repeat (throttled sign-ins, failed verifications at every door),
/// waiting to be written. Events alike in everything but time and user agent collapse into the first
/// of them, with a count, so a flood costs one entry per distinct source, action, outcome, target
/// and reason rather than one per request. Bounded: entries waiting plus entries being written never
/// pass <c>capacity</c>; an event that would need a new entry beyond it is refused, for the caller to count.
/// </summary>
internal sealed class AuditQueue(int capacity)
{
    private readonly Lock sync = new();
    private Dictionary<Likeness, AuditEvent> waiting = [];
    private int writing;

    /// <summary>Entries waiting or being written: the rows the next writes will add.</summary>
    public int Depth
    {
        get
        {
            lock (sync)
            {
                return waiting.Count + writing;
            }
        }
    }

    /// <returns>False when the event was refused: the queue is full and holds nothing like it.</returns>
    public bool Add(AuditEvent auditEvent)
    {
        var likeness = Likeness.Of(auditEvent);
        lock (sync)
        {
            if (waiting.TryGetValue(likeness, out var earlier))
            {
                earlier.Count += auditEvent.Count;
                return true;
            }

            if (waiting.Count + writing >= capacity)
            {
                return false;
            }

            waiting[likeness] = auditEvent;
            return true;
        }
    }

    /// <summary>Everything waiting, for one write; what comes in meanwhile starts a new window. End with <see cref="Written"/> or <see cref="Return"/>.</summary>
    public List<AuditEvent> Take()
    {
        lock (sync)
        {
            var batch = waiting.Values.ToList();
            waiting = [];
            writing += batch.Count;
            return batch;
        }
    }

    public void Written(List<AuditEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (sync)
        {
            writing -= batch.Count;
        }
    }

    /// <summary>A batch the store did not take goes back, merged with what came since; it always fits (its entries counted against the bound).</summary>
    public void Return(List<AuditEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (sync)
        {
            writing -= batch.Count;
            foreach (var auditEvent in batch)
            {
                auditEvent.Id = 0;
                var likeness = Likeness.Of(auditEvent);
                if (waiting.TryGetValue(likeness, out var later))
                {
                    auditEvent.Count += later.Count;
                }

                waiting[likeness] = auditEvent;
            }
        }
    }

    private readonly record struct Likeness(Guid? OrganizationId, Guid? ActorUserId, string? ActorTokenId, string Action, string Outcome,
        string? TargetType, string? TargetId, string? SourceAddress, string? Detail)
    {
        public static Likeness Of(AuditEvent e) =>
            new(e.OrganizationId, e.ActorUserId, e.ActorTokenId, e.Action, e.Outcome, e.TargetType, e.TargetId, e.SourceAddress, e.Detail);
    }
}
