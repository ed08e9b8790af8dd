"""Window intake: applicants, the intake form, the four outcomes and their notices."""
