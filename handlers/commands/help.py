"""/帮助: the command list, generated from the registry."""

from __future__ import annotations

from handlers.commands.registry import command, find, help_text, usage_reply
from handlers.context import Ctx


@command("帮助", "help", usage="/帮助 [命令]", summary="查看全部命令或某个命令的用法",
         example="/帮助 派单")
async def show_help(ctx: Ctx, args: str) -> None:
    word = args.strip().lstrip("/／")
    if word:
        spec = find(word)
        if spec is None:
            await ctx.reply(f"没有“{word}”这个命令。\n" + help_text(await ctx.is_coordinator()))
            return
        await ctx.reply(usage_reply(spec, f"{spec.summary}（{spec.who.value}可用）"))
        return
    await ctx.reply(help_text(await ctx.is_coordinator()))
