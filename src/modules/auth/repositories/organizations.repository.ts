import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Organization } from '../entities/organization.entity';

/** Organizations are the tenancy root: this repository is not organization-scoped. */
@Injectable()
export class OrganizationsRepository {
  constructor(@InjectRepository(Organization) private readonly repo: Repository<Organization>) {}

  findById(id: string): Promise<Organization | null> {
    return this.repo.findOne({ where: { id } });
  }

  findBySlug(slug: string): Promise<Organization | null> {
    return this.repo.findOne({ where: { slug } });
  }

  findPlatform(): Promise<Organization | null> {
    return this.repo.findOne({ where: { platform: true }, order: { createdAt: 'ASC' } });
  }

  list(limit: number, offset: number): Promise<[Organization[], number]> {
    return this.repo.findAndCount({ order: { createdAt: 'ASC' }, take: limit, skip: offset });
  }

  listAll(): Promise<Organization[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  create(values: Pick<Organization, 'slug' | 'name'>): Promise<Organization> {
    return this.repo.save(this.repo.create({ ...values, platform: false, disabled: false }));
  }

  save(org: Organization): Promise<Organization> {
    return this.repo.save(org);
  }
}
