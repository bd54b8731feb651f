"""A world's libraries, its readers and their cards, and its staff."""

import datetime

from requests_app.management.world.plan import (
    FIRST_NAMES,
    LAST_NAMES,
    LIBRARIANS_PER_LIBRARY,
    Library,
)


class PeopleMixin:
    """The libraries, readers, librarians and provider of a ``World``."""

    # Planning

    def _plan_libraries(self):
        first = self.first_ids["library"]
        count = self.sizes.libraries
        short = max(1, count // 10) if count > 1 else 0
        libraries = []
        for index in range(count):
            if index == 0:
                name, slug = "City Library, Central", "city-central"
            else:
                name, slug = f"City Library, Branch {index}", f"city-branch-{index}"
            libraries.append(
                Library(first + index, index, name, slug, index >= count - short)
            )
        self.weights = [1 / (index + 1) ** 0.7 for index in range(count)]
        return libraries

    def _plan_readers(self):
        """Each reader's home library, weighted towards the central one."""
        return self.random.choices(
            self.libraries, weights=self.weights, k=self.sizes.readers
        )

    def _plan_staff(self):
        next_id = self.first_ids["user"] + self.sizes.readers
        librarians = []
        for library in self.libraries:
            for number in range(1, LIBRARIANS_PER_LIBRARY + 1):
                library.librarians.append(next_id)
                librarians.append((next_id, library, number))
                next_id += 1
        return librarians, next_id

    # Rows

    def library_rows(self):
        for library in self.libraries:
            yield (
                library.id,
                library.name,
                library.slug,
                1,
                f"{library.slug}@large.test",
                max(5, self.sizes.codes // self.sizes.libraries // 200),
            )

    def user_rows(self):
        first_request = {}
        for request in self.requests:
            known = first_request.get(request.reader, request.created_at)
            first_request[request.reader] = min(known, request.created_at)
        start = self.months[0]
        first_id = self.first_ids["user"]
        for number, home in enumerate(self.readers):
            user_id = first_id + number
            joined = first_request.get(user_id, self.now) - datetime.timedelta(
                days=self.random.uniform(1, 120)
            )
            name = f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
            yield (
                user_id,
                self.password,
                False,
                f"reader{number}@large.test",
                name,
                _card_number(number, home),
                home.id,
                None,
                False,
                True,
                max(joined, start - datetime.timedelta(days=365)),
            )
        for user_id, library, number in self.librarians:
            yield (
                user_id,
                self.password,
                False,
                f"librarian{number}.{library.slug}@large.test",
                f"Librarian {number} of {library.name}",
                "",
                None,
                library.id,
                False,
                True,
                start,
            )
        yield (
            self.provider,
            self.password,
            False,
            "provider@large.test",
            "Provider Staff",
            "",
            None,
            None,
            True,
            True,
            start,
        )

    def user_group_rows(self):
        first = self.first_ids["user_groups"]
        first_reader = self.first_ids["user"]
        for number in range(len(self.readers)):
            yield (first + number, first_reader + number, self.groups["reader"])
        first += len(self.readers)
        for offset, (user_id, _, _) in enumerate(self.librarians):
            yield (first + offset, user_id, self.groups["library"])
        yield (first + len(self.librarians), self.provider, self.groups["empik"])


def _card_number(number, home):
    return f"C{home.index:02d}-{number:07d}"
