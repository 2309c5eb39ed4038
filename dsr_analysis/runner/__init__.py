"""The report runner: plan the chapters, execute them, publish the pages."""
