"""factory-boy factories for the tenant models. They write to the current schema: use them
inside `with in_schema(tenant):` or after a request has activated a tenant."""

import factory

from embed.models import Comment, Commenter, Thread
from embed.sanitize import render_markdown


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    url = factory.Sequence(lambda n: f"https://alpha.example/posts/{n}")
    title = factory.Sequence(lambda n: f"Post {n}")


class CommenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commenter

    name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda o: f"{o.name.lower()}@readers.example")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(CommenterFactory)
    body = factory.Faker("paragraph")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    status = Comment.Status.PUBLISHED

    @factory.lazy_attribute
    def root(self) -> Comment | None:
        if self.parent is None:
            return None
        return self.parent.root or self.parent

    @factory.lazy_attribute
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    parent = None
