import { repositoryProblem, tagProblem } from './naming';
import { tagFromTaskHash } from './tag';

describe('Docker naming (data model: Docker Image validation rules)', () => {
  it.each(['todo-frontend', 'todo_backend', 'team/todo-app', 'localhost:5000/todo-frontend', 'registry.example.com/a/b.c', 'a__b'])('accepts %s', (r) => {
    expect(repositoryProblem(r)).toBeNull();
  });
  it.each([
    ['Todo-Frontend', /uppercase/],
    ['todo frontend', /not a Docker repository name/],
    ['-todo', /not a Docker repository name/],
    ['todo-', /not a Docker repository name/],
    ['', /empty/],
  ])('refuses %p', (r, why) => {
    expect(repositoryProblem(r)).toMatch(why);
  });
  it('refuses latest and malformed tags, accepts versions and labels', () => {
    expect(tagProblem('latest')).toMatch(/latest/);
    expect(tagProblem('.hidden')).toMatch(/not a Docker tag/);
    expect(tagProblem('x'.repeat(129))).toMatch(/not a Docker tag/);
    expect(tagProblem('1.2.3')).toBeNull();
    expect(tagProblem('nx-0123456789abcdef')).toBeNull();
  });
});

describe('content-addressed tags', () => {
  it('is stable for one hash and differs between hashes', () => {
    expect(tagFromTaskHash('1234')).toBe(tagFromTaskHash('1234'));
    expect(tagFromTaskHash('1234')).not.toBe(tagFromTaskHash('1235'));
    expect(tagFromTaskHash('1234')).toMatch(/^nx-[0-9a-f]{16}$/);
    expect(tagProblem(tagFromTaskHash('1234'))).toBeNull();
  });
});
