/**
 * "Alma SIS: Preview Sync": the job-report counts and every user of the active SIS file in a
 * tree view (keyboard-usable and themed by VS Code itself, no webview needed), grouped by
 * outcome, filterable by outcome and by effect, searchable by id or name. Each user expands to
 * its field and list changes; selecting one reveals it in the XML. What it shows comes from
 * the preview model (`shared/src/preview`), which only presents the engine's plan.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  buildPreview,
  FLAG_LABELS,
  isFiltered,
  OUTCOME_LABELS,
  OUTCOMES,
  PREVIEW_FLAGS,
  type Outcome,
  type PreviewFieldRow,
  type PreviewFilter,
  type PreviewFlag,
  type PreviewGroup,
  type PreviewModel,
  type PreviewNoteRow,
  type PreviewSegmentRow,
  type PreviewUserRow,
} from '../../shared/src/preview';
import type { SyncSession } from './session';

export const VIEW_ID = 'almaSis.preview';

type Node =
  | { kind: 'summary'; model: PreviewModel }
  | { kind: 'notice'; text: string; icon: string; tooltip?: string }
  | { kind: 'group'; group: PreviewGroup; filtered: boolean }
  | { kind: 'user'; user: PreviewUserRow }
  | { kind: 'reason'; user: PreviewUserRow; text: string }
  | { kind: 'field'; user: PreviewUserRow; row: PreviewFieldRow }
  | { kind: 'segment'; user: PreviewUserRow; row: PreviewSegmentRow }
  | { kind: 'note'; user: PreviewUserRow; row: PreviewNoteRow };

const OUTCOME_ICONS: Record<Outcome, [string, string]> = {
  created: ['add', 'charts.green'],
  updated: ['edit', 'charts.blue'],
  unchanged: ['check', 'disabledForeground'],
  rejected: ['error', 'errorForeground'],
};

const ACTION_ICONS: Record<string, string> = {
  set: 'arrow-right',
  clear: 'trash',
  default: 'discard',
  'keep-protected': 'lock',
  'revert-override': 'history',
};

/** Arguments a user node passes to commands (reveal, compare), also usable from tests. */
export interface UserRef {
  readonly uri: string;
  readonly index: number;
}

export class PreviewProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private session: SyncSession | undefined;
  private model: PreviewModel | undefined;
  private filter: PreviewFilter = {};
  private error: string | undefined;

  get current(): { session: SyncSession | undefined; model: PreviewModel | undefined; filter: PreviewFilter } {
    return { session: this.session, model: this.model, filter: this.filter };
  }

  show(session: SyncSession | undefined, error?: string): void {
    this.session = session;
    this.error = error;
    this.rebuild();
  }

  setFilter(filter: PreviewFilter): PreviewModel | undefined {
    this.filter = filter;
    this.rebuild();
    return this.model;
  }

  private rebuild(): void {
    const s = this.session;
    this.model = s ? buildPreview(s.plan, { filter: this.filter, nameOf: (i) => s.nameOf(i) }) : undefined;
    void vscode.commands.executeCommand('setContext', 'almaSis.previewActive', !!s);
    void vscode.commands.executeCommand('setContext', 'almaSis.previewFiltered', isFiltered(this.filter));
    this.changed.fire(undefined);
  }

  /** The one-line message above the tree: which file, against which snapshot, what is filtered. */
  message(): string | undefined {
    if (this.error) return this.error;
    const s = this.session;
    if (!s || !this.model) return undefined;
    const file = path.basename(s.uri.fsPath || s.uri.path);
    const snap = s.snapshotFile ? path.basename(s.snapshotFile.path) : 'no snapshot (everyone is new)';
    const filtered = this.model.filterText ? ` · showing ${this.model.shown} of ${this.model.total}: ${this.model.filterText}` : '';
    return `${file} against ${snap}${filtered}`;
  }

  getChildren(node?: Node): Node[] {
    const m = this.model;
    const s = this.session;
    if (!node) {
      if (!m || !s) return [];
      const top: Node[] = [{ kind: 'summary', model: m }];
      for (const n of s.notices) top.push({ kind: 'notice', text: n.text, icon: n.severity === 'error' ? 'error' : 'warning', tooltip: n.detail });
      for (const g of m.groups) top.push({ kind: 'group', group: g, filtered: isFiltered(m.filter) });
      if (m.groups.length === 0 && m.total > 0) top.push({ kind: 'notice', text: 'No user matches the filter.', icon: 'filter' });
      return top;
    }
    switch (node.kind) {
      case 'group':
        return node.group.users.map((user) => ({ kind: 'user', user }));
      case 'user':
        return [
          ...node.user.reasons.map((text): Node => ({ kind: 'reason', user: node.user, text })),
          ...node.user.fields.map((row): Node => ({ kind: 'field', user: node.user, row })),
          ...node.user.segments.map((row): Node => ({ kind: 'segment', user: node.user, row })),
          ...node.user.notes.map((row): Node => ({ kind: 'note', user: node.user, row })),
        ];
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const uri = this.session?.uri.toString() ?? '';
    switch (node.kind) {
      case 'summary': {
        const item = new vscode.TreeItem(node.model.summaryText);
        item.iconPath = new vscode.ThemeIcon('graph');
        const c = node.model.summary;
        item.tooltip =
          `What Alma's job report would say for this file:\nTotal users processed: ${c.processed}\n` +
          `Total users created successfully: ${c.created}\nTotal users updated successfully: ${c.updated}\n` +
          `Total users unchanged: ${c.unchanged}\nTotal users rejected: ${c.rejected}`;
        item.id = 'summary';
        return item;
      }
      case 'notice': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
      case 'group': {
        const g = node.group;
        const count = node.filtered && g.users.length !== g.total ? `${g.users.length} of ${g.total}` : String(g.total);
        // Big groups start closed so that 20,000 users do not all render at once.
        const open = g.users.length <= 200 && g.outcome !== 'unchanged';
        const item = new vscode.TreeItem(`${g.label} (${count})`, open ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        const [icon, color] = OUTCOME_ICONS[g.outcome];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.id = `group:${g.outcome}`;
        item.contextValue = `group-${g.outcome}`;
        return item;
      }
      case 'user': {
        const u = node.user;
        const hasChildren = u.reasons.length + u.fields.length + u.segments.length + u.notes.length > 0;
        const item = new vscode.TreeItem(u.name ? `${u.id} · ${u.name}` : u.id, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = u.headline;
        const [icon, color] = OUTCOME_ICONS[u.outcome];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${OUTCOME_LABELS[u.outcome]}** · line ${u.line}\n\n`);
        md.appendText(u.headline);
        if (u.flags.length > 0) md.appendMarkdown(`\n\n${u.flags.map((f) => FLAG_LABELS[f]).join(' · ')}`);
        item.tooltip = md;
        item.id = `user:${u.index}:${u.id}`;
        item.contextValue = `user-${u.outcome}`;
        const ref: UserRef = { uri, index: u.index };
        item.command = { command: 'almaSis.preview.revealUser', title: 'Reveal User in File', arguments: [ref] };
        return item;
      }
      case 'reason': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.tooltip = node.text;
        item.command = { command: 'almaSis.preview.revealUser', title: 'Reveal User in File', arguments: [{ uri, index: node.user.index }] };
        return item;
      }
      case 'field': {
        const r = node.row;
        const item = new vscode.TreeItem(r.field);
        item.description = `${r.change} · ${r.actionLabel}`;
        item.iconPath = new vscode.ThemeIcon(ACTION_ICONS[r.action] ?? 'circle-small');
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${r.field}**: ${r.actionLabel}\n\n`);
        md.appendText(`in Alma now: ${r.before}\nin the file: ${r.incoming}\nafter the sync: ${r.after}\n\n${r.rule}`);
        item.tooltip = md;
        item.command = { command: 'almaSis.preview.revealUser', title: 'Reveal Field in File', arguments: [{ uri, index: node.user.index, field: r.field }] };
        return item;
      }
      case 'segment': {
        const r = node.row;
        const item = new vscode.TreeItem(r.list);
        item.description = r.change;
        item.iconPath = new vscode.ThemeIcon('list-unordered');
        item.tooltip = r.rule;
        item.command = { command: 'almaSis.preview.revealUser', title: 'Reveal User in File', arguments: [{ uri, index: node.user.index }] };
        return item;
      }
      case 'note': {
        const r = node.row;
        const item = new vscode.TreeItem(r.field ? `Note (${r.field})` : 'Note');
        item.description = r.text;
        item.iconPath = new vscode.ThemeIcon('info', new vscode.ThemeColor('notificationsInfoIcon.foreground'));
        item.tooltip = r.text;
        item.command = { command: 'almaSis.preview.revealUser', title: 'Reveal in File', arguments: [{ uri, index: node.user.index, ...(r.field ? { field: r.field } : {}) }] };
        return item;
      }
    }
  }
}

/** Quick pick of outcomes (several at once); undefined when dismissed. */
export async function pickOutcomes(current: readonly Outcome[] | undefined): Promise<Outcome[] | undefined> {
  const picks = await vscode.window.showQuickPick(
    OUTCOMES.map((o) => ({ label: OUTCOME_LABELS[o], outcome: o, picked: current?.includes(o) ?? false })),
    { canPickMany: true, title: 'Show users whose outcome is… (none: all)' },
  );
  return picks?.map((p) => p.outcome);
}

export async function pickFlags(current: readonly PreviewFlag[] | undefined): Promise<PreviewFlag[] | undefined> {
  const picks = await vscode.window.showQuickPick(
    PREVIEW_FLAGS.map((f) => ({ label: FLAG_LABELS[f], flag: f, picked: current?.includes(f) ?? false })),
    { canPickMany: true, title: 'Show users whose sync… (any of; none: all)' },
  );
  return picks?.map((p) => p.flag);
}
